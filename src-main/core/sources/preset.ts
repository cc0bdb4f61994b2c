// A preset: the shape of a well-known job table (a seed app's, or a queue library's), so a source
// needs only `preset: river`. A table mapped by `columns:` becomes the same thing with each column
// quoted (source-spec.ts); a preset may use SQL expressions over its own columns, since it is ours.
import type { SourceColumnKey, SourceMeaning, SourcePreset } from '../../../src-shared/sources'

export interface PresetShape {
  name: SourcePreset
  /** The table it reads when the source gives no `table:`, schema-qualified. */
  table: string
  /**
   * The value of each mapped key, as an SQL expression over the table's columns (a plain column
   * name for most). `id` and `status` are required; `type` or `constantType` names the type.
   */
  columns: Partial<Record<SourceColumnKey, string>>
  /** The table's own columns those expressions read: each is checked at connect. */
  requires: readonly string[]
  /** Every status value the table holds, and what it means to Jobdeck. */
  statuses: Readonly<Record<string, SourceMeaning>>
  /** The type of every row when the table has no type column. */
  constantType?: string
  /**
   * How new rows are found when there is no `updated` column: by `created` (default), or by `id`
   * when ids only grow (bigserial), which every such table indexes.
   */
  newRowsBy?: 'created' | 'id'
  /** The status value a running row has (for `markFailed`'s guard) and the value it sets. */
  markFailed?: { running: string; failed: string; finishedColumn?: string; errorColumn?: string }
}
