import { DEFAULT_TIME_ZONE, localInputToIso } from '$lib/time';

/**
 * An activity form post as the domain's input: a due date (YYYY-MM-DD) means 23:59 that day in
 * the person's time zone.
 */
export function activityInputFrom(data: FormData, zone = DEFAULT_TIME_ZONE) {
	const text = (name: string) => String(data.get(name) ?? '').trim();
	const values = {
		title: text('title'),
		idnumber: text('idnumber'),
		description: text('description'),
		type: text('type') || 'page',
		dueDate: text('dueDate'),
		maxScore: text('maxScore'),
		selfCompletion: data.get('selfCompletion') === 'on' ? 'on' : '',
		restrictedTo: data.getAll('restrictedTo').map(String),
		restrictedToGrouping: text('restrictedToGrouping'),
		restrictedToAnyGroup: data.get('restrictedToAnyGroup') === 'on' ? 'on' : '',
		hiddenWhenClosed: data.getAll('hiddenWhenClosed').map(String),
		groupMode: text('groupMode'),
		groupingId: text('groupingId')
	};
	// A "hide" box ticked beside a restriction that is not chosen says nothing.
	const chosen = new Set([
		...values.restrictedTo,
		...(values.restrictedToGrouping ? ['grouping'] : []),
		...(values.restrictedToAnyGroup ? ['anyGroup'] : [])
	]);
	const hidden = values.hiddenWhenClosed
		.filter((id) => chosen.has(id))
		.map((id) => (id === 'grouping' ? values.restrictedToGrouping : id));
	const input = {
		title: values.title,
		idnumber: values.idnumber || null,
		description: values.description,
		type: values.type,
		dueAt: /^\d{4}-\d{2}-\d{2}$/.test(values.dueDate)
			? localInputToIso(`${values.dueDate}T23:59`, zone)
			: values.dueDate || null,
		selfCompletion: values.selfCompletion === 'on',
		maxScore: values.maxScore === '' ? null : Number(values.maxScore),
		restrictedTo: values.restrictedTo,
		restrictedToGroupings: values.restrictedToGrouping ? [values.restrictedToGrouping] : [],
		restrictedToAnyGroup: values.restrictedToAnyGroup === 'on',
		hiddenWhenClosed: hidden,
		groupMode: values.groupMode === '' || values.groupMode === 'course' ? null : values.groupMode,
		groupingId: values.groupingId || null
	};
	return { input, values };
}
