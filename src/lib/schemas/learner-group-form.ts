import { criteriaOf, draftsFromForm, type CriterionDraft } from './criteria-form';

/** A learner-group form post, as the domain's create/update input plus what to echo back. */
export function learnerGroupInputFrom(data: FormData) {
	const drafts: CriterionDraft[] = draftsFromForm(data);
	const values = {
		name: String(data.get('name') ?? ''),
		description: String(data.get('description') ?? ''),
		refreshMode: String(data.get('refreshMode') ?? 'dynamic'),
		cadenceMinutes: String(data.get('cadenceMinutes') ?? '60')
	};
	return { input: { ...values, criteria: criteriaOf(drafts) }, values, drafts };
}
