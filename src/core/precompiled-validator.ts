/**
 * A validator `npm run build` precompiles from a file's JSON Schema (scripts/build-validator.mjs):
 * yes or no, filling the schema's defaults into the data in place, as zod does.
 */
export type PrecompiledValidator = (data: unknown) => boolean
