// Hash history: the desktop app loads index.html from a file:// URL. The run detail panel is a
// query on any route (`#/history?run=01H…`), so it opens over the current view and is linkable.
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'

export const VIEWS = [
  { name: 'queue', label: 'Queue', path: '/queue', key: 'Q' },
  { name: 'schedules', label: 'Schedules', path: '/schedules', key: 'C' },
  { name: 'timeline', label: 'Timeline', path: '/timeline', key: 'T' },
  { name: 'history', label: 'History', path: '/history', key: 'H' },
  { name: 'resources', label: 'Resources', path: '/resources', key: 'R' },
  { name: 'settings', label: 'Settings', path: '/settings', key: 'S' },
] as const

export type ViewName = (typeof VIEWS)[number]['name']

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/queue' },
  { path: '/queue', name: 'queue', component: () => import('./views/QueueView.vue') },
  { path: '/schedules', name: 'schedules', component: () => import('./views/SchedulesView.vue') },
  { path: '/timeline', name: 'timeline', component: () => import('./views/TimelineView.vue') },
  { path: '/history', name: 'history', component: () => import('./views/HistoryView.vue') },
  { path: '/resources', name: 'resources', component: () => import('./views/ResourcesView.vue') },
  { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue') },
  { path: '/:pathMatch(.*)*', redirect: '/queue' },
]

export const router = createRouter({ history: createWebHashHistory(), routes })

/** Loads every view's code once the first view is up, so switching views never waits for a chunk. */
export function prefetchViews(): void {
  const load = (): void => {
    for (const route of routes) {
      const component = route.component
      if (typeof component === 'function') void (component as () => Promise<unknown>)()
    }
  }
  if ('requestIdleCallback' in window) window.requestIdleCallback(load, { timeout: 2000 })
  else setTimeout(load, 500)
}
