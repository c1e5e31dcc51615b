/** Facts of the cluster file that code needs without loading the zod schema (start-up cost). */
export const GERMAN_REGIONS = ['eu-central-1'] as const

export const HARDENING_IDS = [
  'H01', 'H02', 'H03', 'H04', 'H05', 'H06', 'H07', 'H08', 'H09',
  'H10', 'H11', 'H12', 'H13', 'H14', 'H15', 'H16', 'H17', 'H18', 'H19',
] as const
export type HardeningId = (typeof HARDENING_IDS)[number]
