/** Overview filters from the query string; empty ones are left out so the domain sees only what was chosen. */
export function overviewFilters(url: URL) {
	const groupingId = url.searchParams.get('grouping') || undefined;
	const groupId = url.searchParams.get('group') || undefined;
	return { ...(groupingId ? { groupingId } : {}), ...(groupId ? { groupId } : {}) };
}
