// What this window's role may do: `can(method)` reads each method's least role from `apiAccess`
// (the one declaration dispatch checks). Views hide, not disable, what it cannot: a control a
// role may not use is noise, and a viewer's window reads like a report.
import { apiAccess, type ApiMethod } from '../../src-shared/api'
import { roleAllows, type Role } from '../../src-shared/access'
import { useSessionStore } from '../stores/session'

/** False while the role is unknown (a browser before `session.get` answers). */
export function roleCan(role: Role | null, method: ApiMethod): boolean {
  return role !== null && roleAllows(role, apiAccess[method].role)
}

export interface Access {
  can(method: ApiMethod): boolean
}

export function useAccess(): Access {
  const store = useSessionStore()
  return {
    can: (method) => roleCan(store.session?.role ?? null, method),
  }
}
