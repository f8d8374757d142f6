/** A readonly shape, writable while it is built property by property (no spread per optional field). */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };
