// Renderer entry (placeholder; the real UI comes later).
import { createApp } from 'vue'
import App from './App.vue'

createApp(App).mount('#app')
