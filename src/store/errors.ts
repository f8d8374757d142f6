/**
 * The store could not be opened or brought to the current schema: a database that refuses the
 * login, cannot be reached, or a migration the database refused. `cause` is the driver's own error,
 * which says which; the command line prints both.
 */
export class StoreOpenError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'StoreOpenError';
  }
}
