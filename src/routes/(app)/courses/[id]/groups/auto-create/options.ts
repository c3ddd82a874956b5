/**
 * The auto-create form's fields as the domain's options. Choices that pick a kind and an id share
 * one select (`role:learner`, `group:<id>`), so the form works without JS; the domain validates.
 */
export function autoCreateOptionsFrom(data: FormData) {
	const text = (name: string) => String(data.get(name) ?? '').trim();
	const [sourceKind, sourceId = ''] = text('source').split(':');
	const [ignoreKind, ignoreId = ''] = (text('ignore') || 'none').split(':');
	const seed = data.get('allocation') === 'random' ? text('seed') : '';
	const groupingChoice = text('grouping') || 'none';
	return {
		by: text('by'),
		count: text('count'),
		naming: text('naming'),
		allocation: text('allocation'),
		seed,
		preventLastSmall: data.get('preventLastSmall') === 'on',
		ignore: ignoreKind === 'grouping' ? { groupingId: ignoreId } : ignoreKind,
		source:
			sourceKind === 'group'
				? { groupId: sourceId }
				: sourceKind === 'grouping'
					? { groupingId: sourceId }
					: sourceKind === 'cohort'
						? { cohortId: sourceId }
						: { role: sourceId || 'learner' },
		includeInactive: data.get('includeInactive') === 'on',
		grouping:
			groupingChoice === 'none'
				? null
				: groupingChoice === 'new'
					? { name: text('groupingName') }
					: { id: groupingChoice.replace(/^grouping:/, '') },
		messaging: data.get('messaging') === 'on'
	};
}

/** The raw field values, echoed back so the form keeps what staff typed. */
export function autoCreateValuesFrom(data: FormData) {
	const names = [
		'by',
		'count',
		'naming',
		'allocation',
		'seed',
		'ignore',
		'source',
		'grouping',
		'groupingName'
	];
	const values: Record<string, string | boolean> = Object.fromEntries(
		names.map((name) => [name, String(data.get(name) ?? '')])
	);
	for (const flag of ['preventLastSmall', 'includeInactive', 'messaging']) {
		values[flag] = data.get(flag) === 'on';
	}
	return values;
}
