import { fail } from '@sveltejs/kit';
import * as courseGroups from '$lib/server/course-groups';
import { formFailure } from '$lib/server/forms';
import { requireUser } from '$lib/server/guards';
import { requireCourseManager } from '../staff';
import type { Actions, PageServerLoad } from './$types';

/** 2 MB of CSV is far past the 1,000 rows an import takes; larger uploads are refused unread. */
const MAX_BYTES = 2 * 1024 * 1024;

export const load: PageServerLoad = async (event) => {
	requireCourseManager((await event.parent()).course);
};

export const actions: Actions = {
	preview: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const file = data.get('file');
		const pasted = String(data.get('csvText') ?? '');
		const hasFile = file instanceof File && file.size > 0;
		if (!hasFile && !pasted.trim()) {
			return fail(400, {
				form: 'import',
				message: 'Choose a CSV file or paste the rows.',
				issues: [{ path: 'file', message: 'Choose a CSV file or paste the rows.' }]
			});
		}
		if (hasFile && file.size > MAX_BYTES) {
			return fail(413, {
				form: 'import',
				message: 'The file is larger than 2 MB. Split it into smaller files.',
				issues: [{ path: 'file', message: 'At most 2 MB.' }]
			});
		}
		const csvText = hasFile ? await file.text() : pasted;
		try {
			const report = await courseGroups.previewImport(user, event.params.id, csvText);
			return { form: 'import', stage: 'preview' as const, report, csvText };
		} catch (error) {
			return formFailure(error, { csvText }, 'import');
		}
	},
	apply: async (event) => {
		const user = requireUser(event);
		const csvText = String((await event.request.formData()).get('csvText') ?? '');
		try {
			const report = await courseGroups.applyImport(user, event.params.id, csvText);
			return { form: 'import', stage: 'applied' as const, report, csvText: '' };
		} catch (error) {
			return formFailure(error, { csvText }, 'import');
		}
	}
};
