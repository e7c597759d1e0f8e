// What a factory may close: the data source it created, or one it was handed unopened and opened
// itself. A data source the application opened stays the application's to close.
import type { DataSource } from 'typeorm';

/** A factory's data source and whether closing it is the factory's job. */
export interface DatabaseOwnership {
  readonly dataSource: DataSource;
  readonly owned: boolean;
}

/** Destroys the data source if the factory owns it and it is still open. */
export async function closeOwned(ownership: DatabaseOwnership): Promise<void> {
  if (ownership.owned && ownership.dataSource.isInitialized) await ownership.dataSource.destroy();
}
