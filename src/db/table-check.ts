// After the migrations ran, every entity must have its table. A team that adds an entity and
// forgets its migration otherwise learns of it from a 500 "no such table" at the first request
// that touches it; here the start stops instead, naming the table.
import type { DataSource } from 'typeorm';
import { MissingTable } from '../errors';

/**
 * Throws MissingTable for the first entity of `dataSource` whose table does not exist.
 *
 * @example
 *   await requireTables(dataSource);
 */
export async function requireTables(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    for (const metadata of dataSource.entityMetadatas) {
      // A view is no table, and a single-table-inheritance child lives in its parent's table.
      if (metadata.tableType === 'view' || metadata.tableType === 'entity-child') continue;
      if (!(await runner.hasTable(metadata.tablePath))) throw new MissingTable(metadata.tablePath, metadata.targetName);
    }
  } finally {
    await runner.release();
  }
}
