// Renderer entry: Vue 3, Pinia setup stores, hash router.
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { prefetchViews, router } from './router'

createApp(App).use(createPinia()).use(router).mount('#app')
void router.isReady().then(prefetchViews)
