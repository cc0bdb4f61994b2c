// The shapes of the seed apps' job tables (issue 15), as presets: `preset: background_jobs` needs
// nothing else. The queue libraries' presets (pg-boss, River, Oban) join them in this map.
import type { SourcePreset } from '../../../src-shared/sources'
import type { PresetShape } from './preset'
import { obanPreset, pgBossPreset, riverPreset } from './queue-library-presets'

/** id, job_type, status pending/running/completed/failed, created_at, started_at, completed_at, error_message. */
const backgroundJobs: PresetShape = {
  name: 'background_jobs',
  table: 'public.background_jobs',
  columns: { id: 'id', type: 'job_type', status: 'status', created: 'created_at', started: 'started_at', finished: 'completed_at', error: 'error_message' },
  requires: ['id', 'job_type', 'status', 'created_at', 'started_at', 'completed_at', 'error_message'],
  statuses: { pending: 'queued', running: 'running', completed: 'succeeded', failed: 'failed' },
  markFailed: { running: 'running', failed: 'failed', finishedColumn: 'completed_at' },
}

/**
 * batch_id, status PENDING/PROCESSING/COMPLETED/FAILED/PARTIALLY_COMPLETED, total_reports,
 * successful, failed, results, created_at, processed_at, updated_at. No start time: a batch's
 * start is when Jobdeck first saw it PROCESSING.
 */
const batchJobs: PresetShape = {
  name: 'batch_jobs',
  table: 'public.batch_jobs',
  columns: {
    id: 'batch_id', status: 'status', created: 'created_at', finished: 'processed_at', updated: 'updated_at',
    total: 'total_reports', ok: 'successful', failed: 'failed',
  },
  requires: ['batch_id', 'status', 'created_at', 'processed_at', 'updated_at', 'total_reports', 'successful', 'failed'],
  constantType: 'batch',
  statuses: { PENDING: 'queued', PROCESSING: 'running', COMPLETED: 'succeeded', FAILED: 'failed', PARTIALLY_COMPLETED: 'partial' },
  markFailed: { running: 'PROCESSING', failed: 'FAILED', finishedColumn: 'processed_at' },
}

/** id, data_type, status, total_items, items_processed, items_failed, created_at, started_at, completed_at. */
const processingJobs: PresetShape = {
  name: 'processing_jobs',
  table: 'public.processing_jobs',
  columns: {
    id: 'id', type: 'data_type', status: 'status', created: 'created_at', started: 'started_at', finished: 'completed_at',
    total: 'total_items', ok: 'items_processed', failed: 'items_failed',
  },
  requires: ['id', 'data_type', 'status', 'total_items', 'items_processed', 'items_failed', 'created_at', 'started_at', 'completed_at'],
  statuses: { pending: 'queued', running: 'running', completed: 'succeeded', failed: 'failed' },
  markFailed: { running: 'running', failed: 'failed', finishedColumn: 'completed_at' },
}

/** Presets by name: the seed apps' tables, and the queue libraries' (queue-library-presets.ts). */
export const PRESETS: Partial<Record<SourcePreset, PresetShape>> = {
  background_jobs: backgroundJobs,
  batch_jobs: batchJobs,
  processing_jobs: processingJobs,
  'pg-boss': pgBossPreset,
  river: riverPreset,
  oban: obanPreset,
}
