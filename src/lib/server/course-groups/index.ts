/**
 * Course groups, by verb family: groupings (build and list; the bin: delete, restore, purge), automatic creation, self sign-up,
 * CSV import, the overview and the participants list's bulk group actions. Routes import this room as one namespace.
 */
export * from './groupings';
export * from './bin';
export * from './auto-create';
export * from './signup';
export * from './assign';
export { translate } from './refusals';
export {
	importRows,
	previewImport,
	applyImport,
	type ImportRow,
	type ImportReport,
	type IgnoredColumn
} from './import';
export { overview, overviewCsv, type Overview } from './overview';
export { bulkGroupMembership, type BulkMembershipResult } from './bulk';
