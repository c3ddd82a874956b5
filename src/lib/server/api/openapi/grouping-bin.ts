import { json, type ApiRoute } from './route';
import * as binSchemas from '$lib/schemas/grouping-bin';

/** The bin: a deleted grouping and its groups wait 30 days there (docs/decisions.md). */
export const groupingBinRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/groupings/{id}/delete-preview',
		operationId: 'previewGroupingDelete',
		summary: 'What deleting a grouping would put in the bin',
		description:
			'`{ groupCount, memberCount, staying }`: the groups that would go to the bin with the grouping (with their sub-groups), how many people are in them now, and the names of its groups that stay because another grouping holds them too. Course managers only.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/courses/{id}/bin',
		operationId: 'listGroupingBin',
		summary: "The course's bin: deleted groupings with their groups",
		description:
			'`{ items }`, newest first: each binned grouping with `deletedAt`, `deletedBy`, `purgeAt` (30 days after), `daysLeft`, `memberCount` and its binned `groups` with their member counts. Course managers only.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/courses/{id}/bin/{groupingId}/restore',
		operationId: 'restoreGrouping',
		summary: 'Restore a binned grouping with its groups and their members',
		description:
			'Brings the grouping, its binned groups and their memberships back (people a course link would have put in a target group meanwhile are added). 409 `name_taken` while a live grouping of the course has its name: send `name` to restore it under another. 409 `exclusive_grouping` when someone is now in two of its groups.',
		body: json(binSchemas.groupingRestore, { name: 'Seminars (restored)' }, { optional: true }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409]
	},
	{
		method: 'delete',
		path: '/courses/{id}/bin/{groupingId}',
		operationId: 'purgeGrouping',
		summary: 'Delete a binned grouping and its groups for good',
		description:
			'Deletes the binned grouping and the groups binned with it now, with their memberships, channels and files; answers `{ purged, groupCount }`. Course managers only.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	}
];
