import { fail } from '@sveltejs/kit';
import * as transfer from '$lib/server/groups/transfer';
import * as organisations from '$lib/server/organisations';
import { formFailure } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const organisation = await orErrorPage(organisations.get(user, event.params.slug));
	return { organisation };
};

const KINDS = { groups: transfer.importGroups, memberships: transfer.importMemberships };

/** Preview reads the uploaded file; confirm re-sends its text and applies it. */
async function runImport(event: RequestEvent, apply: boolean) {
	const user = requireUser(event);
	const data = await event.request.formData();
	const kind = data.get('kind') === 'memberships' ? 'memberships' : 'groups';
	const file = data.get('file');
	const fileName = apply
		? String(data.get('fileName') ?? '')
		: file instanceof File
			? file.name
			: '';
	let csvText = String(data.get('csvText') ?? '');
	if (!apply) {
		if (!(file instanceof File) || file.size === 0) {
			return fail(400, {
				form: kind,
				message: 'Choose a CSV file to upload.',
				issues: [{ path: 'file', message: 'Choose a CSV file.' }]
			});
		}
		csvText = await file.text();
	}
	try {
		const organisation = await organisations.get(user, event.params.slug);
		const report = await KINDS[kind](user, organisation.id, csvText, { apply });
		return { form: kind, report, csvText: report.applied ? '' : csvText, fileName };
	} catch (error) {
		return formFailure(error, {}, kind);
	}
}

export const actions: Actions = {
	preview: (event) => runImport(event, false),
	apply: (event) => runImport(event, true)
};
