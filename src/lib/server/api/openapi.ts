/**
 * The OpenAPI 3.1 contract of /api/v1, written by hand next to the routes it describes.
 * tests/e2e/api.spec.ts checks that its paths are exactly the routes under src/routes/api/v1.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const uuid: Schema = { type: 'string', format: 'uuid' };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const courseRole: Schema = { type: 'string', enum: ['learner', 'assistant', 'instructor'] };

const jsonBody = (schema: Schema, description?: string) => ({
	required: true,
	...(description ? { description } : {}),
	content: { 'application/json': { schema } }
});

const ok = (schema: Schema, description = 'OK') => ({
	description,
	content: { 'application/json': { schema } }
});
const listOf = (item: string) => ({
	type: 'object',
	required: ['items'],
	properties: { items: { type: 'array', items: ref(item) } }
});
const noContent = { description: 'Done; no body.' };

const errors = (
	...statuses: Array<'400' | '401' | '403' | '404' | '409' | '413' | '415' | '429'>
) =>
	Object.fromEntries(
		statuses.map((status) => [status, { $ref: `#/components/responses/${status}` }])
	);

const pathId = (name: string, description: string) => ({
	name,
	in: 'path',
	required: true,
	description,
	schema: uuid
});
const organisationId = pathId('id', 'The organisation id.');
const courseId = pathId('id', 'The course id.');
const userId = pathId('userId', 'The user id.');

const organisationWrite = {
	type: 'object',
	properties: {
		name: { type: 'string', maxLength: 200 },
		slug: { type: 'string', maxLength: 64, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' },
		description: { type: 'string', maxLength: 5000 }
	}
};

const courseWrite = {
	type: 'object',
	properties: {
		code: { type: 'string', maxLength: 50 },
		name: { type: 'string', maxLength: 200 },
		description: { type: 'string', maxLength: 5000 }
	}
};

const groupId = pathId('id', 'The group id.');
const groupRole: Schema = { type: 'string', enum: ['member', 'leader'] };
const visibility: Schema = {
	type: 'string',
	enum: ['scope', 'members', 'own', 'hidden'],
	description:
		'scope: everyone in the scope sees it; members: only its members (and managers); own: members see only ' +
		'themselves and leaders; hidden: managers only.'
};
const membershipMode: Schema = {
	type: 'string',
	enum: ['manual', 'open', 'request', 'invite', 'rule', 'sync'],
	description:
		'Members of a `sync` group are changed only through this API (or by its course link).'
};
const nullableUuid: Schema = { type: ['string', 'null'], format: 'uuid' };
const search = {
	name: 'search',
	in: 'query',
	description: 'Part of a name, or an exact idnumber; matches keep their ancestors.',
	schema: { type: 'string', maxLength: 200 }
};
const csvBody = (columns: string) => ({
	required: true,
	description: `A header row naming the columns (${columns}), then one row per line.`,
	content: { 'text/csv': { schema: { type: 'string' } } }
});
const dryRun = {
	name: 'dryRun',
	in: 'query',
	description: 'true: report only, change nothing.',
	schema: { type: 'string', enum: ['true', 'false'], default: 'false' }
};
const csvDownload = {
	description: 'A CSV file (Content-Disposition: attachment).',
	headers: { 'Content-Disposition': { schema: { type: 'string' } } },
	content: { 'text/csv': { schema: { type: 'string' } } }
};
const uuidArray: Schema = { type: 'array', items: uuid, minItems: 1, maxItems: 5000 };

const groupSettings = {
	kind: { type: 'string', maxLength: 40, default: 'group', examples: ['cohort', 'team', 'staff'] },
	name: { type: 'string', minLength: 1, maxLength: 200 },
	idnumber: { type: ['string', 'null'], maxLength: 100, description: 'Unique in its scope.' },
	description: { type: 'string', maxLength: 5000 },
	visibility,
	membershipMode,
	sizeLimit: { type: ['integer', 'null'], minimum: 1, maximum: 100000 },
	messagingEnabled: { type: 'boolean' },
	leadersManageMembers: { type: 'boolean' },
	leadersCreateSubgroups: { type: 'boolean' },
	leadersPostAnnouncements: { type: 'boolean' },
	leadersSeeProgress: { type: 'boolean' },
	leadersModerate: { type: 'boolean' }
};

const courseLinkRole: Schema = { ...courseRole, default: 'learner' };
const removalPolicy: Schema = {
	type: 'string',
	enum: ['suspend', 'unenrol'],
	description:
		'What happens to an enrolment when its person leaves the group or the link is removed.'
};

// Progress, learner groups and dashboards (issue 6) ----------------------------------------------

const activityId = pathId('id', 'The activity id.');
const learnerGroupId = pathId('id', 'The learner group id.');
const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
	type: 'object',
	...(required.length ? { required } : {}),
	properties
});
const activityWrite = obj({
	title: { type: 'string', minLength: 1, maxLength: 200 },
	idnumber: {
		type: ['string', 'null'],
		maxLength: 100,
		description: 'Unique in its course; the key ingest uses.'
	},
	description: { type: 'string', maxLength: 5000 },
	type: { type: 'string', enum: ['page', 'assignment', 'quiz', 'video', 'discussion', 'external'] },
	dueAt: { type: ['string', 'null'], format: 'date-time' },
	selfCompletion: { type: 'boolean', description: 'Learners may mark it complete themselves.' },
	maxScore: { type: ['number', 'null'] },
	position: { type: 'integer', minimum: 0 },
	restrictedTo: {
		type: 'array',
		items: uuid,
		maxItems: 50,
		description: 'Course groups whose effective members (and staff) may open it.'
	},
	restrictedToGroupings: {
		type: 'array',
		items: uuid,
		maxItems: 50,
		description:
			'Groupings of the course: the effective members of any of their groups (now or added later) may open it.'
	}
});
const criterion: Schema = {
	type: 'object',
	required: ['type'],
	description:
		'One of: {type:"enrolled", when:"before"|"after", date}; {type:"progress", op:"below"|"above", percent}; ' +
		'{type:"completed", activityId|"any"}; {type:"score", activityId, op, value}; {type:"inactive", days}; ' +
		'{type:"member", groupId}; {type:"enrolment", role?, status?}. Each may have negate: true.',
	properties: {
		type: {
			type: 'string',
			enum: ['enrolled', 'progress', 'completed', 'score', 'inactive', 'member', 'enrolment']
		},
		negate: { type: 'boolean', default: false }
	},
	additionalProperties: true
};
const criteriaDocument = obj(
	{
		all: {
			type: 'array',
			items: criterion,
			minItems: 1,
			maxItems: 2,
			description: 'Joined by AND.'
		}
	},
	['all']
);
const learnerGroupWrite = obj({
	name: { type: 'string', minLength: 1, maxLength: 200 },
	description: { type: 'string', maxLength: 5000 },
	criteria: criteriaDocument,
	refreshMode: { type: 'string', enum: ['static', 'dynamic'], default: 'dynamic' },
	cadenceMinutes: { type: 'integer', minimum: 5, maximum: 10080, default: 60 }
});
const dashboardQuery = [
	{ name: 'courseId', in: 'query', schema: uuid, description: 'One course only.' },
	{
		name: 'sort',
		in: 'query',
		schema: { type: 'string', enum: ['name', 'progress', 'lastActivity', 'overdue', 'course'] }
	},
	{ name: 'direction', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
	{
		name: 'filter',
		in: 'query',
		schema: { type: 'string', enum: ['all', 'atRisk', 'inactive', 'behind', 'overdue'] }
	},
	{ name: 'search', in: 'query', schema: { type: 'string', maxLength: 200 } }
];
const anyObject: Schema = { type: 'object', additionalProperties: true };

const progressPaths = {
	'/courses/{id}/activities': {
		parameters: [courseId],
		get: {
			tags: ['progress'],
			operationId: 'listActivities',
			summary: 'Activities the caller may open, locked ones (no group named), and their progress',
			responses: { '200': ok(anyObject), ...errors('401', '404') }
		},
		post: {
			tags: ['progress'],
			operationId: 'createActivity',
			summary: 'Add an activity (course managers)',
			requestBody: jsonBody(activityWrite),
			responses: {
				'201': ok(ref('Activity'), 'Created'),
				...errors('400', '401', '404', '409', '415')
			}
		}
	},
	'/activities/{id}': {
		parameters: [activityId],
		get: {
			tags: ['progress'],
			operationId: 'getActivity',
			summary: 'One activity the caller may open',
			responses: { '200': ok(ref('Activity')), ...errors('401', '404') }
		},
		patch: {
			tags: ['progress'],
			operationId: 'updateActivity',
			summary:
				'Change an activity; restrictedTo / restrictedToGroupings replace those restrictions (course managers)',
			requestBody: jsonBody(activityWrite),
			responses: { '200': ok(ref('Activity')), ...errors('400', '401', '404', '409', '415') }
		},
		delete: {
			tags: ['progress'],
			operationId: 'deleteActivity',
			summary: 'Delete an activity and its completions (course managers)',
			responses: { '204': noContent, ...errors('401', '404') }
		}
	},
	'/activities/{id}/completions': {
		parameters: [activityId],
		get: {
			tags: ['progress'],
			operationId: 'listCompletions',
			summary: "Every learner's completion and score for the activity (course staff)",
			responses: { '200': ok(listOf('Completion')), ...errors('401', '404') }
		},
		post: {
			tags: ['progress'],
			operationId: 'recordCompletion',
			summary: "Record a learner's completion and/or score (course staff)",
			requestBody: jsonBody(
				obj(
					{
						userId: uuid,
						completed: { type: 'boolean', default: true },
						score: { type: ['number', 'null'] }
					},
					['userId']
				)
			),
			responses: { '200': ok(anyObject), ...errors('400', '401', '404', '415') }
		}
	},
	'/activities/{id}/completion': {
		parameters: [activityId],
		put: {
			tags: ['progress'],
			operationId: 'markComplete',
			summary: 'Mark the activity complete for the caller (where it allows self-completion)',
			responses: { '200': ok(ref('Activity')), ...errors('401', '403', '404') }
		},
		delete: {
			tags: ['progress'],
			operationId: 'unmarkComplete',
			summary: "Take back the caller's own mark",
			responses: { '204': noContent, ...errors('401', '404') }
		}
	},
	'/courses/{id}/events': {
		parameters: [courseId],
		post: {
			tags: ['progress'],
			operationId: 'recordLearnerEvent',
			summary: 'Record a course view or a post by the caller',
			requestBody: jsonBody(
				obj({ kind: { type: 'string', enum: ['course_view', 'post'] } }, ['kind'])
			),
			responses: { '201': ok(anyObject, 'Recorded'), ...errors('400', '401', '404', '415') }
		}
	},
	'/ingest/statements': {
		post: {
			tags: ['progress'],
			operationId: 'ingestStatements',
			summary:
				'Completion and score statements from another system, up to 1,000 per batch, with a result per statement',
			requestBody: jsonBody(
				obj(
					{
						statements: {
							type: 'array',
							maxItems: 1000,
							items: obj(
								{
									id: {
										type: 'string',
										maxLength: 200,
										description: 'Repeats in the same course change nothing.'
									},
									actor: obj({ email: { type: 'string' }, idnumber: { type: 'string' } }),
									activity: obj(
										{
											idnumber: { type: 'string' },
											course: {
												type: 'string',
												description: 'Course code or id, when the idnumber is ambiguous.'
											}
										},
										['idnumber']
									),
									verb: { type: 'string', enum: ['completed', 'scored'] },
									score: { type: 'number' },
									timestamp: dateTime
								},
								['id', 'actor', 'activity', 'verb']
							)
						}
					},
					['statements']
				)
			),
			responses: {
				'200': ok(
					obj({
						applied: { type: 'integer' },
						duplicates: { type: 'integer' },
						rejected: { type: 'integer' },
						results: {
							type: 'array',
							items: obj({
								index: { type: 'integer' },
								id: { type: ['string', 'null'] },
								status: { type: 'string', enum: ['applied', 'duplicate', 'rejected'] },
								message: { type: 'string' }
							})
						}
					})
				),
				...errors('400', '401', '415')
			}
		}
	},
	'/courses/{id}/progress-settings': {
		parameters: [courseId],
		get: {
			tags: ['learner-groups'],
			operationId: 'getProgressSettings',
			summary: 'Whether learner groups are on, and the inactivity threshold',
			responses: { '200': ok(anyObject), ...errors('401', '404') }
		},
		patch: {
			tags: ['learner-groups'],
			operationId: 'updateProgressSettings',
			summary:
				'Switch learner groups on or off; set the inactivity threshold (course staff, admins)',
			requestBody: jsonBody(
				obj({
					learnerGroupsEnabled: { type: 'boolean' },
					inactiveDays: { type: 'integer', minimum: 1, maximum: 365 }
				})
			),
			responses: { '200': ok(anyObject), ...errors('400', '401', '404', '415') }
		}
	},
	'/courses/{id}/learner-groups': {
		parameters: [courseId],
		get: {
			tags: ['learner-groups'],
			operationId: 'listLearnerGroups',
			summary: "The course's learner groups (course staff)",
			responses: { '200': ok(listOf('LearnerGroup')), ...errors('401', '404') }
		},
		post: {
			tags: ['learner-groups'],
			operationId: 'createLearnerGroup',
			summary: 'Create a learner group from criteria and fill it (learner groups must be on)',
			requestBody: jsonBody(learnerGroupWrite),
			responses: {
				'201': ok(ref('LearnerGroup'), 'Created'),
				...errors('400', '401', '404', '409', '415')
			}
		}
	},
	'/courses/{id}/learner-groups/preview': {
		parameters: [courseId],
		post: {
			tags: ['learner-groups'],
			operationId: 'previewLearnerGroup',
			summary: 'Count and a sample of names matching criteria now; changes nothing',
			requestBody: jsonBody(criteriaDocument),
			responses: {
				'200': ok(obj({ count: { type: 'integer' }, sample: { type: 'array', items: anyObject } })),
				...errors('400', '401', '404', '415')
			}
		}
	},
	'/courses/{id}/learner-groups/not-started': {
		parameters: [courseId],
		post: {
			tags: ['learner-groups'],
			operationId: 'createNotStartedGroup',
			summary:
				'Create the default "Not started" learner group (active learners with no completion), once',
			responses: { '201': ok(ref('LearnerGroup'), 'Created'), ...errors('401', '404', '409') }
		}
	},
	'/learner-groups/{id}': {
		parameters: [learnerGroupId],
		get: {
			tags: ['learner-groups'],
			operationId: 'getLearnerGroup',
			summary: 'A learner group with its members and latest refreshes',
			responses: { '200': ok(ref('LearnerGroup')), ...errors('401', '404') }
		},
		patch: {
			tags: ['learner-groups'],
			operationId: 'updateLearnerGroup',
			summary: 'Change name, criteria, mode or cadence; changed criteria refresh at once',
			requestBody: jsonBody(learnerGroupWrite),
			responses: { '200': ok(ref('LearnerGroup')), ...errors('400', '401', '404', '415') }
		},
		delete: {
			tags: ['learner-groups'],
			operationId: 'deleteLearnerGroup',
			summary: 'Delete a learner group (interventions keep its name)',
			responses: { '204': noContent, ...errors('401', '404') }
		}
	},
	'/learner-groups/{id}/refresh': {
		parameters: [learnerGroupId],
		post: {
			tags: ['learner-groups'],
			operationId: 'refreshLearnerGroup',
			summary: 'Refresh now: one set-based diff; returns how many were added and removed',
			responses: {
				'200': ok(
					obj({
						added: { type: 'integer' },
						removed: { type: 'integer' },
						members: { type: 'integer' },
						skipped: {
							type: 'boolean',
							description:
								'Always false here: a refresh by hand evaluates in full (scheduled ones skip when nothing changed).'
						}
					})
				),
				...errors('401', '404')
			}
		}
	},
	'/learner-groups/{id}/refreshes': {
		parameters: [learnerGroupId],
		get: {
			tags: ['learner-groups'],
			operationId: 'listLearnerGroupRefreshes',
			summary: 'Who each refresh added and removed, when and why',
			responses: {
				'200': ok({ type: 'object', properties: { items: { type: 'array', items: anyObject } } }),
				...errors('401', '404')
			}
		}
	},
	'/learner-groups/{id}/link': {
		parameters: [learnerGroupId],
		put: {
			tags: ['learner-groups'],
			operationId: 'linkLearnerGroup',
			summary:
				'Place the learner group under a course group (its members become effective members there)',
			requestBody: jsonBody(obj({ parentId: nullableUuid }, ['parentId'])),
			responses: { '200': ok(ref('LearnerGroup')), ...errors('400', '401', '404', '409', '415') }
		}
	},
	'/learner-groups/{id}/interventions': {
		parameters: [learnerGroupId],
		get: {
			tags: ['learner-groups'],
			operationId: 'listInterventions',
			summary:
				'Messages sent to the group: who sent what, when, to how many, and how many recipients have seen it (seenCount)',
			responses: { '200': ok(listOf('Intervention')), ...errors('401', '404') }
		},
		post: {
			tags: ['learner-groups'],
			operationId: 'sendIntervention',
			summary:
				"Send a message to the group's current members: posted to the group's announcements (members read it without the group's name, live as course-message:new) and emailed once each",
			requestBody: jsonBody(
				obj(
					{
						subject: { type: 'string', minLength: 1, maxLength: 200 },
						body: { type: 'string', minLength: 1, maxLength: 10000 }
					},
					['subject', 'body']
				)
			),
			responses: { '201': ok(ref('Intervention'), 'Sent'), ...errors('400', '401', '404', '415') }
		}
	},
	'/me/interventions': {
		get: {
			tags: ['learner-groups'],
			operationId: 'listMyInterventions',
			summary:
				'Messages course staff sent to the caller through learner groups (the course and sender, never the group)',
			responses: { '200': ok(listOf('ReceivedIntervention')), ...errors('401') }
		}
	},
	'/me/interventions/seen': {
		post: {
			tags: ['learner-groups'],
			operationId: 'markMyInterventionsSeen',
			summary:
				'Mark messages the caller received as seen (ids of other messages, or of ones sent before announcements, are ignored)',
			requestBody: jsonBody(
				obj({ ids: { type: 'array', items: uuid, minItems: 1, maxItems: 200 } }, ['ids'])
			),
			responses: {
				'200': ok(obj({ marked: { type: 'integer' } }, ['marked'])),
				...errors('400', '401', '415')
			}
		}
	},
	'/me/notifications': {
		get: {
			tags: ['notifications'],
			operationId: 'listMyNotifications',
			summary:
				"The caller's notifications (mentions, announcements, membership changes, request decisions, sign-ups, course messages), newest first, with the unread count",
			parameters: [
				{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
				{
					name: 'before',
					in: 'query',
					description: 'The id of the last notification of the previous page.',
					schema: uuid
				},
				{ name: 'unread', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } }
			],
			responses: {
				'200': ok(
					obj(
						{
							items: { type: 'array', items: ref('Notification') },
							unread: { type: 'integer' },
							hasMore: { type: 'boolean' }
						},
						['items', 'unread', 'hasMore']
					)
				),
				...errors('400', '401')
			}
		}
	},
	'/me/notifications/read': {
		post: {
			tags: ['notifications'],
			operationId: 'markMyNotificationsRead',
			summary:
				"Mark some (ids) or all of the caller's notifications read; ids of other people's notifications change nothing",
			requestBody: jsonBody({
				oneOf: [
					obj({ ids: { type: 'array', items: uuid, minItems: 1, maxItems: 200 } }, ['ids']),
					obj({ all: { type: 'boolean', const: true } }, ['all'])
				]
			}),
			responses: {
				'200': ok(
					obj({ marked: { type: 'integer' }, unread: { type: 'integer' } }, ['marked', 'unread'])
				),
				...errors('400', '401', '415')
			}
		}
	},
	'/me/notification-preferences': {
		get: {
			tags: ['notifications'],
			operationId: 'getMyNotificationPreferences',
			summary: 'How the caller gets each kind of notification',
			responses: { '200': ok(listOf('NotificationPreference')), ...errors('401') }
		},
		put: {
			tags: ['notifications'],
			operationId: 'setMyNotificationPreferences',
			summary:
				'Change the delivery of the kinds given (in_app, email, digest or off; course_message: in_app or off); the others stay',
			requestBody: jsonBody({
				type: 'object',
				additionalProperties: false,
				properties: Object.fromEntries(
					[
						'mention',
						'thread_reply',
						'direct_message',
						'announcement',
						'course_message',
						'membership_added',
						'membership_removed',
						'join_request_decided',
						'signup_result'
					].map((kind) => [kind, { type: 'string', enum: ['in_app', 'email', 'digest', 'off'] }])
				)
			}),
			responses: { '200': ok(listOf('NotificationPreference')), ...errors('400', '401', '415') }
		}
	},
	'/groups/{id}/dashboard': {
		parameters: [groupId],
		get: {
			tags: ['dashboard'],
			operationId: 'getDashboard',
			summary:
				"The group's learners × courses: progress, last activity, overdue, at-risk (leaders see only the people they lead)",
			parameters: dashboardQuery,
			responses: { '200': ok(anyObject), ...errors('400', '401', '404') }
		}
	},
	'/groups/{id}/dashboard/distribution': {
		parameters: [groupId],
		get: {
			tags: ['dashboard'],
			operationId: 'getProgressDistribution',
			summary: 'Learner enrolments per 10-point progress band',
			parameters: [dashboardQuery[0]],
			responses: {
				'200': ok({ type: 'object', properties: { items: { type: 'array', items: anyObject } } }),
				...errors('400', '401', '404')
			}
		}
	},
	'/groups/{id}/dashboard/over-time': {
		parameters: [groupId],
		get: {
			tags: ['dashboard'],
			operationId: 'getProgressOverTime',
			summary: 'Completions per day and pooled progress at the end of each day',
			parameters: [
				dashboardQuery[0],
				{
					name: 'days',
					in: 'query',
					schema: { type: 'integer', minimum: 1, maximum: 365, default: 30 }
				}
			],
			responses: {
				'200': ok({ type: 'object', properties: { items: { type: 'array', items: anyObject } } }),
				...errors('400', '401', '404')
			}
		}
	},
	'/groups/{id}/dashboard/csv': {
		parameters: [groupId],
		get: {
			tags: ['dashboard'],
			operationId: 'exportDashboard',
			summary: 'The dashboard as CSV (same query)',
			parameters: dashboardQuery,
			responses: { '200': csvDownload, ...errors('400', '401', '404') }
		}
	},
	'/groups/{id}/dashboard/learners/{userId}': {
		parameters: [groupId, userId],
		get: {
			tags: ['dashboard'],
			operationId: 'getDashboardLearner',
			summary: 'One learner of the group, course by course, activity by activity',
			responses: { '200': ok(anyObject), ...errors('401', '404') }
		}
	}
};

const progressSchemas = {
	Activity: obj({
		id: uuid,
		courseId: uuid,
		idnumber: { type: ['string', 'null'] },
		title: { type: 'string' },
		description: { type: 'string' },
		type: { type: 'string' },
		dueAt: { type: ['string', 'null'], format: 'date-time' },
		selfCompletion: { type: 'boolean' },
		maxScore: { type: ['number', 'null'] },
		position: { type: 'integer' },
		restricted: { type: 'boolean' },
		restrictedTo: { type: 'array', items: obj({ id: uuid, name: { type: 'string' } }) },
		restrictedToGroupings: {
			type: 'array',
			items: obj({ id: uuid, name: { type: 'string' } }),
			description: 'Named to course staff only.'
		},
		restrictedToDeleted: {
			type: 'integer',
			description:
				'Restrictions whose group or grouping was deleted (staff see the count; 0 for others). They keep the activity closed to learners until its restrictions are changed.'
		},
		myCompletion: { type: ['object', 'null'] }
	}),
	Completion: obj({
		userId: uuid,
		displayName: { type: 'string' },
		email: { type: 'string' },
		completedAt: { type: ['string', 'null'], format: 'date-time' },
		score: { type: ['number', 'null'] },
		source: { type: ['string', 'null'], enum: ['self', 'staff', 'ingest', null] }
	}),
	LearnerGroup: obj({
		id: uuid,
		courseId: uuid,
		name: { type: 'string' },
		description: { type: 'string' },
		criteria: criteriaDocument,
		refreshMode: { type: 'string', enum: ['static', 'dynamic'] },
		cadenceMinutes: { type: 'integer' },
		lastRefreshedAt: { type: ['string', 'null'], format: 'date-time' },
		memberCount: { type: 'integer' },
		parentId: nullableUuid,
		members: { type: 'array', items: anyObject },
		refreshes: { type: 'array', items: anyObject }
	}),
	Intervention: obj({
		id: uuid,
		groupId: nullableUuid,
		groupName: { type: 'string' },
		sentByName: { type: ['string', 'null'] },
		subject: { type: 'string' },
		body: { type: 'string' },
		recipientCount: { type: 'integer' },
		emailedCount: { type: 'integer' },
		announced: {
			type: 'boolean',
			description:
				"Posted to the learner group's announcements (false for messages sent before that)."
		},
		announcementId: nullableUuid,
		seenCount: {
			type: ['integer', 'null'],
			description:
				'Recipients who have seen it (of recipientCount); null when it has no announcement to track.'
		},
		createdAt: dateTime
	}),
	Notification: obj(
		{
			id: uuid,
			kind: { type: 'string' },
			title: { type: 'string' },
			summary: { type: 'string' },
			link: { type: 'string', description: 'Where it happened: a path in the app.' },
			actor: {
				oneOf: [
					{ type: 'null' },
					obj({ id: uuid, displayName: { type: 'string' } }, ['id', 'displayName'])
				]
			},
			groupId: nullableUuid,
			courseId: nullableUuid,
			createdAt: dateTime,
			readAt: { type: ['string', 'null'], format: 'date-time' }
		},
		['id', 'kind', 'title', 'summary', 'link', 'createdAt', 'readAt']
	),
	NotificationPreference: obj(
		{
			kind: { type: 'string' },
			label: { type: 'string' },
			delivery: { type: 'string', enum: ['in_app', 'email', 'digest', 'off'] },
			choices: {
				type: 'array',
				items: obj({ value: { type: 'string' }, label: { type: 'string' } }, ['value', 'label'])
			}
		},
		['kind', 'label', 'delivery', 'choices']
	),
	ReceivedIntervention: obj({
		id: uuid,
		announcementId: nullableUuid,
		courseId: uuid,
		courseCode: { type: 'string' },
		courseName: { type: 'string' },
		sentByName: { type: ['string', 'null'] },
		subject: { type: 'string' },
		body: { type: 'string' },
		seen: {
			type: ['boolean', 'null'],
			description:
				'Whether the caller has seen it; null when it cannot be tracked (sent before announcements).'
		},
		createdAt: dateTime
	})
};

// Course groups: groupings, automatic creation, self sign-up, overview, import, group mode ------

const groupingId = pathId('id', 'The grouping id.');
const autoLeader: Schema = {
	type: 'string',
	enum: ['none', 'first', 'random'],
	description: 'Who becomes leader of a sign-up group, and again when the leader leaves.'
};
const groupModeSchema: Schema = {
	type: 'string',
	enum: ['none', 'separate', 'visible'],
	description:
		'separate: learners see only the staff and the participants who share a course group with them; ' +
		'visible: learners see every (non-hidden) course group but act only in their own.'
};
const groupIdsBody = jsonBody({
	type: 'object',
	required: ['groupIds'],
	properties: { groupIds: { type: 'array', items: uuid, minItems: 1, maxItems: 5000 } }
});
const person: Schema = {
	type: 'object',
	properties: { id: uuid, displayName: { type: 'string' } }
};

const courseGroupPaths = {
	'/courses/{id}/groupings': {
		parameters: [courseId],
		get: {
			tags: ['course groups'],
			operationId: 'listGroupings',
			responses: { '200': ok(listOf('Grouping')), ...errors('401', '404') }
		},
		post: {
			tags: ['course groups'],
			operationId: 'createGrouping',
			requestBody: jsonBody({
				type: 'object',
				required: ['name'],
				properties: {
					name: { type: 'string', minLength: 1, maxLength: 200 },
					idnumber: {
						type: ['string', 'null'],
						maxLength: 100,
						description: 'Unique among the course’s groupings.'
					},
					description: { type: 'string', maxLength: 5000 },
					exclusive: {
						type: 'boolean',
						default: false,
						description: 'A learner is in at most one of its groups.'
					}
				}
			}),
			responses: { '201': ok(ref('Grouping'), 'Created.'), ...errors('400', '401', '404', '409') }
		}
	},
	'/groupings/{id}': {
		parameters: [groupingId],
		get: {
			tags: ['course groups'],
			operationId: 'getGrouping',
			responses: { '200': ok(ref('Grouping')), ...errors('401', '404') }
		},
		patch: {
			tags: ['course groups'],
			operationId: 'updateGrouping',
			description:
				'Making a grouping exclusive is refused (409, naming the person and groups) while someone is in two of its groups.',
			requestBody: jsonBody({
				type: 'object',
				properties: {
					name: { type: 'string', minLength: 1, maxLength: 200 },
					idnumber: { type: ['string', 'null'], maxLength: 100 },
					description: { type: 'string', maxLength: 5000 },
					exclusive: { type: 'boolean' }
				}
			}),
			responses: { '200': ok(ref('Grouping')), ...errors('400', '401', '404', '409') }
		},
		delete: {
			tags: ['course groups'],
			operationId: 'deleteGrouping',
			description: 'Deletes the grouping; its groups and their members stay.',
			responses: { '204': noContent, ...errors('401', '404') }
		}
	},
	'/groupings/{id}/groups': {
		parameters: [groupingId],
		post: {
			tags: ['course groups'],
			operationId: 'addToGrouping',
			description:
				'Groups of the grouping’s course only (400 otherwise). An exclusive grouping refuses groups that would put someone in two of its groups (409).',
			requestBody: groupIdsBody,
			responses: {
				'200': ok({ type: 'object', properties: { added: { type: 'integer' } } }),
				...errors('400', '401', '404', '409')
			}
		},
		delete: {
			tags: ['course groups'],
			operationId: 'removeFromGrouping',
			requestBody: groupIdsBody,
			responses: {
				'200': ok({ type: 'object', properties: { removed: { type: 'integer' } } }),
				...errors('400', '401', '404')
			}
		}
	},
	'/groupings/{id}/signup': {
		parameters: [groupingId],
		put: {
			tags: ['course groups'],
			operationId: 'updateSignup',
			summary: 'Open or close self sign-up; every field is replaced',
			requestBody: jsonBody({
				type: 'object',
				properties: {
					open: { type: 'boolean', default: false },
					sizeLimit: {
						type: ['integer', 'null'],
						minimum: 1,
						maximum: 100000,
						description: 'Places per group, leaders included.'
					},
					opensAt: { type: ['string', 'null'], format: 'date-time' },
					closesAt: { type: ['string', 'null'], format: 'date-time' },
					autoLeader: { ...autoLeader, default: 'none' }
				}
			}),
			responses: { '200': ok(ref('Grouping')), ...errors('400', '401', '404') }
		}
	},
	'/groupings/{id}/signup/assign': {
		parameters: [groupingId],
		post: {
			tags: ['course groups'],
			operationId: 'assignUnassigned',
			description:
				'Puts every active learner in none of the grouping’s groups into them, smallest group first, within place limits.',
			responses: {
				'200': ok({
					type: 'object',
					properties: {
						assigned: { type: 'integer' },
						leftOver: { type: 'array', items: person }
					}
				}),
				...errors('401', '404')
			}
		}
	},
	'/courses/{id}/signup': {
		parameters: [courseId],
		get: {
			tags: ['course groups'],
			operationId: 'signupView',
			description: 'Groupings open for self sign-up, with places left and the caller’s own groups.',
			responses: { '200': ok(listOf('SignupGrouping')), ...errors('401', '404') }
		}
	},
	'/groups/{id}/signup': {
		parameters: [groupId],
		post: {
			tags: ['course groups'],
			operationId: 'signUp',
			description:
				'Joins a group of a grouping open for sign-up. 409 `group_full` ("The group is full."), `signup_closed` ' +
				'outside the dates, `already_member`. In an exclusive grouping the caller moves and `movedFrom` names the old group.',
			responses: {
				'201': ok(
					{
						type: 'object',
						properties: {
							groupName: { type: 'string' },
							movedFrom: { type: 'string' },
							message: { type: 'string', examples: ['You moved from Lab A to Lab B.'] }
						}
					},
					'Joined.'
				),
				...errors('401', '404', '409')
			}
		},
		delete: {
			tags: ['course groups'],
			operationId: 'leaveSignup',
			responses: {
				'200': ok({ type: 'object', properties: { message: { type: 'string' } } }),
				...errors('401', '404', '409')
			}
		}
	},
	'/courses/{id}/auto-groups': {
		parameters: [courseId],
		post: {
			tags: ['course groups'],
			operationId: 'autoCreateGroups',
			summary: 'Create groups automatically (or preview them with ?dryRun=true)',
			description:
				'Random allocation is reproducible: the preview returns its `seed`; send it back to create exactly the previewed groups. ' +
				'Alphabetical sorts by last name (the last word of the display name), then first name. Everything is created in one transaction.',
			parameters: [dryRun],
			requestBody: jsonBody({
				type: 'object',
				required: ['by', 'count', 'naming'],
				properties: {
					by: { type: 'string', enum: ['groups', 'members'] },
					count: { type: 'integer', minimum: 1, maximum: 5000 },
					naming: {
						type: 'string',
						maxLength: 150,
						examples: ['Group @', 'Lab #'],
						description:
							'@ becomes A, B, … Z, AA…; # becomes 1, 2, …; names the course uses are skipped.'
					},
					allocation: {
						type: 'string',
						enum: ['random', 'alphabetical', 'none'],
						default: 'random'
					},
					seed: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 },
					preventLastSmall: {
						type: 'boolean',
						default: false,
						description: 'By members: a last group under 70% of `count` is spread over the others.'
					},
					ignore: {
						oneOf: [
							{ type: 'string', enum: ['none', 'course'] },
							{ type: 'object', required: ['groupingId'], properties: { groupingId: uuid } }
						],
						default: 'none'
					},
					source: {
						oneOf: [
							{ type: 'object', required: ['role'], properties: { role: courseRole } },
							{ type: 'object', required: ['groupId'], properties: { groupId: uuid } },
							{ type: 'object', required: ['groupingId'], properties: { groupingId: uuid } },
							{ type: 'object', required: ['cohortId'], properties: { cohortId: uuid } }
						],
						default: { role: 'learner' }
					},
					includeInactive: { type: 'boolean', default: false },
					grouping: {
						oneOf: [
							{ type: 'null' },
							{ type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
							{ type: 'object', required: ['id'], properties: { id: uuid } }
						],
						default: null
					},
					messaging: { type: 'boolean', default: true }
				}
			}),
			responses: {
				'200': ok(ref('AutoCreatePreview'), 'The preview (dryRun=true).'),
				'201': ok(ref('AutoCreateResult'), 'Created.'),
				'422': {
					description: 'Nobody to allocate.',
					content: { 'application/json': { schema: ref('Error') } }
				},
				...errors('400', '401', '404', '409', '413')
			}
		}
	},
	'/courses/{id}/groups-overview': {
		parameters: [courseId],
		get: {
			tags: ['course groups'],
			operationId: 'groupsOverview',
			description:
				'Each grouping with its groups and members, then groups in no grouping, then active participants in no group (only without a filter). Course staff and admins only (a learner gets 404).',
			parameters: [
				{ name: 'groupingId', in: 'query', schema: uuid },
				{ name: 'groupId', in: 'query', schema: uuid },
				{
					name: 'format',
					in: 'query',
					schema: { type: 'string', enum: ['json', 'csv'], default: 'json' }
				}
			],
			responses: {
				'200': {
					description: 'The overview (JSON), or with format=csv a CSV attachment.',
					content: {
						'application/json': { schema: ref('GroupsOverview') },
						'text/csv': { schema: { type: 'string' } }
					}
				},
				...errors('400', '401', '404')
			}
		}
	},
	'/courses/{id}/group-imports': {
		parameters: [courseId],
		post: {
			tags: ['course groups'],
			operationId: 'importCourseGroups',
			description:
				'A report per row: created, created_without_idnumber (the idnumber is taken) or error. Error rows are skipped; ' +
				'groupings named in groupingname are created when missing; members are emails of course participants separated by ; or spaces.',
			parameters: [dryRun],
			requestBody: csvBody('groupname, description, idnumber, groupingname, members'),
			responses: {
				'200': ok({
					type: 'object',
					properties: {
						applied: { type: 'boolean' },
						rows: {
							type: 'array',
							items: {
								type: 'object',
								properties: {
									line: { type: 'integer' },
									groupName: { type: 'string' },
									status: {
										type: 'string',
										enum: ['created', 'created_without_idnumber', 'error']
									},
									message: { type: 'string' },
									groupId: uuid,
									memberCount: { type: 'integer' }
								}
							}
						}
					}
				}),
				...errors('400', '401', '404', '413', '415')
			}
		}
	},
	'/courses/{id}/group-mode': {
		parameters: [courseId],
		put: {
			tags: ['course groups'],
			operationId: 'setGroupMode',
			requestBody: jsonBody({
				type: 'object',
				required: ['groupMode'],
				properties: { groupMode: groupModeSchema }
			}),
			responses: {
				'200': ok({ type: 'object', properties: { groupMode: groupModeSchema } }),
				...errors('400', '401', '404')
			}
		}
	}
};

const courseGroupSchemas = {
	Grouping: {
		type: 'object',
		properties: {
			id: uuid,
			courseId: uuid,
			name: { type: 'string' },
			idnumber: { type: ['string', 'null'] },
			description: { type: 'string' },
			exclusive: { type: 'boolean' },
			signup: {
				type: 'object',
				properties: {
					open: { type: 'boolean' },
					sizeLimit: { type: ['integer', 'null'] },
					opensAt: { type: ['string', 'null'], format: 'date-time' },
					closesAt: { type: ['string', 'null'], format: 'date-time' },
					autoLeader
				}
			},
			groups: {
				type: 'array',
				items: {
					type: 'object',
					properties: { id: uuid, name: { type: 'string' }, memberCount: { type: 'integer' } }
				}
			},
			createdAt: dateTime,
			updatedAt: dateTime
		}
	},
	SignupGrouping: {
		type: 'object',
		properties: {
			id: uuid,
			name: { type: 'string' },
			description: { type: 'string' },
			exclusive: { type: 'boolean' },
			opensAt: { type: ['string', 'null'], format: 'date-time' },
			closesAt: { type: ['string', 'null'], format: 'date-time' },
			openNow: { type: 'boolean' },
			closedMessage: { type: ['string', 'null'] },
			autoLeader,
			myGroupIds: { type: 'array', items: uuid },
			groups: {
				type: 'array',
				items: {
					type: 'object',
					properties: {
						id: uuid,
						name: { type: 'string' },
						description: { type: 'string' },
						memberCount: { type: 'integer' },
						placeLimit: { type: ['integer', 'null'] },
						placesLeft: { type: ['integer', 'null'] },
						full: { type: 'boolean' },
						isMine: { type: 'boolean' }
					}
				}
			}
		}
	},
	AutoCreatePreview: {
		type: 'object',
		properties: {
			seed: { type: 'integer' },
			sourceCount: { type: 'integer' },
			ignoredCount: { type: 'integer' },
			groups: {
				type: 'array',
				items: {
					type: 'object',
					properties: { name: { type: 'string' }, members: { type: 'array', items: person } }
				}
			}
		}
	},
	AutoCreateResult: {
		type: 'object',
		properties: {
			groupingId: { type: ['string', 'null'], format: 'uuid' },
			seed: { type: 'integer' },
			groups: {
				type: 'array',
				items: {
					type: 'object',
					properties: { id: uuid, name: { type: 'string' }, memberCount: { type: 'integer' } }
				}
			}
		}
	},
	GroupsOverview: {
		type: 'object',
		properties: {
			groupings: { type: 'array', items: { type: 'object' } },
			notInGrouping: { type: 'array', items: { type: 'object' } },
			notInGroup: { type: 'array', items: person }
		}
	}
};

export const openApiDocument = {
	openapi: '3.1.0',
	info: {
		title: 'Tessera API',
		version: '1.0.0',
		description:
			'Organisations, courses, enrolments, groups, memberships, invitations and cohort links for scripts and ' +
			'external systems. Authenticate with a personal ' +
			'access token (`Authorization: Bearer tsr_…`) or a session cookie from `POST /sessions`. Something ' +
			'missing and something you may not see give the same 404. Request bodies are limited to 2 MB.'
	},
	servers: [{ url: '/api/v1' }],
	security: [{ bearerAuth: [] }, { sessionCookie: [] }],
	tags: [
		{ name: 'session' },
		{ name: 'organisations' },
		{ name: 'courses' },
		{ name: 'enrolments' },
		{ name: 'groups' },
		{ name: 'memberships' },
		{ name: 'invites' },
		{ name: 'cohorts' },
		{ name: 'course groups' },
		{ name: 'announcements' },
		{ name: 'resources' },
		{ name: 'tokens' },
		{ name: 'progress' },
		{ name: 'learner-groups' },
		{ name: 'dashboard' },
		{ name: 'notifications' }
	],
	paths: {
		...courseGroupPaths,
		...progressPaths,
		'/me': {
			get: {
				tags: ['session'],
				operationId: 'getMe',
				summary: 'The caller',
				responses: { '200': ok(ref('Me')), ...errors('401') }
			}
		},
		'/sessions': {
			post: {
				tags: ['session'],
				operationId: 'signIn',
				summary: 'Sign in with email and password; sets the session cookie',
				description:
					'Throttled per account and per address: too many failures give 429 with Retry-After.',
				security: [],
				requestBody: jsonBody({
					type: 'object',
					required: ['email', 'password'],
					properties: { email: { type: 'string', format: 'email' }, password: { type: 'string' } }
				}),
				responses: {
					'201': {
						description: 'Signed in; the session cookie is set.',
						headers: { 'Set-Cookie': { schema: { type: 'string' } } },
						content: {
							'application/json': {
								schema: {
									type: 'object',
									required: ['user', 'expiresAt'],
									properties: { user: ref('User'), expiresAt: dateTime }
								}
							}
						}
					},
					...errors('400', '401', '415', '429')
				}
			}
		},
		'/sessions/current': {
			delete: {
				tags: ['session'],
				operationId: 'signOut',
				summary: 'Sign out: end the session of the cookie sent',
				security: [{ sessionCookie: [] }],
				responses: { '204': noContent, ...errors('400', '401') }
			}
		},
		'/organisations': {
			get: {
				tags: ['organisations'],
				operationId: 'listOrganisations',
				summary: 'Organisations the caller can see',
				responses: { '200': ok(listOf('Organisation')), ...errors('401') }
			},
			post: {
				tags: ['organisations'],
				operationId: 'createOrganisation',
				summary: 'Create an organisation (platform admins)',
				requestBody: jsonBody({ ...organisationWrite, required: ['name', 'slug'] }),
				responses: {
					'201': ok(ref('Organisation'), 'Created'),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/organisations/{id}': {
			parameters: [organisationId],
			get: {
				tags: ['organisations'],
				operationId: 'getOrganisation',
				responses: { '200': ok(ref('Organisation')), ...errors('401', '404') }
			},
			patch: {
				tags: ['organisations'],
				operationId: 'updateOrganisation',
				summary: 'Change some of name, slug, description (organisation admins)',
				requestBody: jsonBody(organisationWrite, 'Fields left out keep their values.'),
				responses: { '200': ok(ref('Organisation')), ...errors('400', '401', '404', '409', '415') }
			}
		},
		'/organisations/{id}/members': {
			parameters: [organisationId],
			get: {
				tags: ['organisations'],
				operationId: 'listOrganisationMembers',
				responses: { '200': ok(listOf('OrganisationMember')), ...errors('401', '404') }
			},
			post: {
				tags: ['organisations'],
				operationId: 'addOrganisationMember',
				summary: 'Add a person by email, or change the role of a member',
				description: 'Only platform admins make organisation admins.',
				requestBody: jsonBody({
					type: 'object',
					required: ['email'],
					properties: {
						email: { type: 'string', format: 'email' },
						role: { type: 'string', enum: ['admin', 'member'], default: 'member' }
					}
				}),
				responses: { '200': ok(ref('OrganisationMember')), ...errors('400', '401', '404', '415') }
			}
		},
		'/organisations/{id}/members/{userId}': {
			parameters: [organisationId, userId],
			delete: {
				tags: ['organisations'],
				operationId: 'removeOrganisationMember',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/organisations/{id}/courses': {
			parameters: [organisationId],
			get: {
				tags: ['courses'],
				operationId: 'listOrganisationCourses',
				summary: 'Courses of the organisation the caller can see',
				responses: { '200': ok(listOf('Course')), ...errors('401', '404') }
			},
			post: {
				tags: ['courses'],
				operationId: 'createCourse',
				summary: 'Create a course (organisation admins)',
				requestBody: jsonBody({ ...courseWrite, required: ['code', 'name'] }),
				responses: {
					'201': ok(ref('Course'), 'Created'),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/courses': {
			get: {
				tags: ['courses'],
				operationId: 'listMyCourses',
				summary: 'The courses the caller is enrolled in',
				responses: { '200': ok(listOf('Course')), ...errors('401') }
			}
		},
		'/courses/{id}': {
			parameters: [courseId],
			get: {
				tags: ['courses'],
				operationId: 'getCourse',
				responses: { '200': ok(ref('Course')), ...errors('401', '404') }
			},
			patch: {
				tags: ['courses'],
				operationId: 'updateCourse',
				summary: 'Change some of code, name, description (course managers)',
				requestBody: jsonBody(courseWrite, 'Fields left out keep their values.'),
				responses: { '200': ok(ref('Course')), ...errors('400', '401', '404', '409', '415') }
			},
			delete: {
				tags: ['courses'],
				operationId: 'deleteCourse',
				summary: 'Delete a course and its enrolments (organisation admins)',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/courses/{id}/enrolments': {
			parameters: [courseId],
			get: {
				tags: ['enrolments'],
				operationId: 'listEnrolments',
				parameters: [
					{
						name: 'search',
						in: 'query',
						description: 'Part of a name or email.',
						schema: { type: 'string', maxLength: 200 }
					},
					{ name: 'role', in: 'query', schema: courseRole },
					{
						name: 'status',
						in: 'query',
						schema: { type: 'string', enum: ['active', 'suspended'] }
					},
					{ name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
					{
						name: 'pageSize',
						in: 'query',
						schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 }
					},
					{
						name: 'groupIds',
						in: 'query',
						description: 'Course group ids separated by commas.',
						schema: { type: 'string' }
					},
					{
						name: 'match',
						in: 'query',
						description:
							'In any, all or none of groupIds (with noGroup counted as one more choice).',
						schema: { type: 'string', enum: ['any', 'all', 'none'], default: 'any' }
					},
					{
						name: 'noGroup',
						in: 'query',
						description: 'The choice "in no group of the course".',
						schema: { type: 'string', enum: ['true', 'false'], default: 'false' }
					}
				],
				responses: { '200': ok(ref('EnrolmentPage')), ...errors('400', '401', '404') }
			},
			post: {
				tags: ['enrolments'],
				operationId: 'enrol',
				summary: 'Enrol people by user id, or by email with a per-row report',
				description:
					'With `emails`, every address gets a row in the report (enrol, update, unchanged or error); rows with ' +
					'errors are skipped, the rest applied in one transaction. `dryRun: true` returns the report without applying.',
				requestBody: jsonBody({
					oneOf: [
						{
							type: 'object',
							required: ['userIds'],
							properties: {
								userIds: { type: 'array', items: uuid, minItems: 1, maxItems: 5000 },
								role: { ...courseRole, default: 'learner' }
							}
						},
						{
							type: 'object',
							required: ['emails'],
							properties: {
								emails: {
									oneOf: [
										{ type: 'array', items: { type: 'string' }, maxItems: 5000 },
										{
											type: 'string',
											description: 'Addresses separated by commas, semicolons, spaces or new lines.'
										}
									]
								},
								role: { ...courseRole, default: 'learner' },
								dryRun: { type: 'boolean', default: false }
							}
						}
					]
				}),
				responses: {
					'200': {
						description: 'A count for `userIds`, the per-row report for `emails`.',
						content: {
							'application/json': {
								schema: {
									oneOf: [
										{
											type: 'object',
											required: ['enrolled'],
											properties: { enrolled: { type: 'integer' } }
										},
										ref('EnrolReport')
									]
								}
							}
						}
					},
					...errors('400', '401', '404', '413', '415')
				}
			}
		},
		'/courses/{id}/enrolments/csv': {
			parameters: [courseId],
			post: {
				tags: ['enrolments'],
				operationId: 'enrolCsv',
				summary: 'Enrol from a CSV of email[,role] rows (a header row is recognised)',
				parameters: [
					{
						name: 'dryRun',
						in: 'query',
						description: 'true: report only, enrol nobody.',
						schema: { type: 'string', enum: ['true', 'false'], default: 'false' }
					},
					{
						name: 'role',
						in: 'query',
						description: 'The role of rows without one.',
						schema: { ...courseRole, default: 'learner' }
					}
				],
				requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
				responses: { '200': ok(ref('EnrolReport')), ...errors('400', '401', '404', '413', '415') }
			}
		},
		'/courses/{id}/enrolments/{userId}': {
			parameters: [courseId, userId],
			patch: {
				tags: ['enrolments'],
				operationId: 'updateEnrolment',
				requestBody: jsonBody({
					type: 'object',
					properties: {
						role: courseRole,
						status: { type: 'string', enum: ['active', 'suspended'] }
					}
				}),
				responses: {
					'200': ok({
						type: 'object',
						required: ['userId', 'role', 'status'],
						properties: {
							userId: uuid,
							role: courseRole,
							status: { type: 'string', enum: ['active', 'suspended'] }
						}
					}),
					...errors('400', '401', '404', '415')
				}
			},
			delete: {
				tags: ['enrolments'],
				operationId: 'unenrol',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/organisations/{id}/groups': {
			parameters: [organisationId],
			get: {
				tags: ['groups'],
				operationId: 'listOrganisationGroups',
				summary: "The organisation's group tree as the caller sees it",
				description:
					'Parents before children, siblings by name. A group whose parent the caller cannot see is at the top.',
				parameters: [search],
				responses: { '200': ok(listOf('GroupNode')), ...errors('400', '401', '404') }
			}
		},
		'/organisations/{id}/groups/starter': {
			parameters: [organisationId],
			post: {
				tags: ['groups'],
				operationId: 'applyStarterGroups',
				summary:
					'Create the starter hierarchy: Staff (with roles) and Learners (one group per intake)',
				requestBody: jsonBody({
					type: 'object',
					properties: {
						intakes: {
							type: 'array',
							items: { type: 'string', maxLength: 200 },
							maxItems: 50,
							description: 'Left out or empty: this year\u2019s spring and autumn intakes.'
						}
					}
				}),
				responses: {
					'201': ok(
						{ type: 'object', required: ['created'], properties: { created: { type: 'integer' } } },
						'Created'
					),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/organisations/{id}/groups/import': {
			parameters: [organisationId],
			post: {
				tags: ['groups'],
				operationId: 'importGroups',
				summary: 'Create groups from CSV; any error row blocks the whole file',
				description:
					'A parent may be an existing group or another row. Blocked files return 200 with `blocked: true` and nothing written.',
				parameters: [dryRun],
				requestBody: csvBody('name, idnumber, description, parent_idnumber, kind'),
				responses: { '200': ok(ref('ImportReport')), ...errors('400', '401', '404', '413', '415') }
			}
		},
		'/organisations/{id}/groups/export': {
			parameters: [organisationId],
			get: {
				tags: ['groups'],
				operationId: 'exportGroups',
				summary: "The organisation's groups the caller can see, as CSV that the import reads back",
				responses: { '200': csvDownload, ...errors('401', '404') }
			}
		},
		'/organisations/{id}/memberships/import': {
			parameters: [organisationId],
			post: {
				tags: ['memberships'],
				operationId: 'importMemberships',
				summary: 'Add members or change roles from CSV; error rows are reported and skipped',
				parameters: [dryRun],
				requestBody: csvBody('group_idnumber, email, role'),
				responses: { '200': ok(ref('ImportReport')), ...errors('400', '401', '404', '413', '415') }
			}
		},
		'/organisations/{id}/memberships/export': {
			parameters: [organisationId],
			get: {
				tags: ['memberships'],
				operationId: 'exportMemberships',
				summary: "Direct memberships of the organisation's groups that the caller may read, as CSV",
				responses: { '200': csvDownload, ...errors('401', '404') }
			}
		},
		'/groups': {
			get: {
				tags: ['groups'],
				operationId: 'listPlatformGroups',
				summary: 'Platform-wide groups the caller can see, in tree order',
				parameters: [search],
				responses: { '200': ok(listOf('GroupNode')), ...errors('400', '401') }
			},
			post: {
				tags: ['groups'],
				operationId: 'createGroup',
				summary: 'Create a group at the top of a scope, or a sub-group of parentId',
				description:
					'A sub-group takes its parent\u2019s scope. Without a parent, the scope follows from courseId, then ' +
					'organisationId, else platform (platform admins).',
				requestBody: jsonBody({
					type: 'object',
					required: ['name'],
					properties: {
						...groupSettings,
						scope: { type: 'string', enum: ['platform', 'organisation', 'course'] },
						organisationId: nullableUuid,
						courseId: nullableUuid,
						parentId: nullableUuid
					}
				}),
				responses: {
					'201': ok(ref('GroupDetail'), 'Created'),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/groups/messaging': {
			post: {
				tags: ['groups'],
				operationId: 'setGroupMessaging',
				summary:
					'Turn messaging on or off for many groups; all must be the caller\u2019s to manage',
				requestBody: jsonBody({
					type: 'object',
					required: ['groupIds', 'enabled'],
					properties: { groupIds: uuidArray, enabled: { type: 'boolean' } }
				}),
				responses: {
					'200': ok({
						type: 'object',
						required: ['changed'],
						properties: { changed: { type: 'integer' } }
					}),
					...errors('400', '401', '404', '415')
				}
			}
		},
		'/groups/{id}': {
			parameters: [groupId],
			get: {
				tags: ['groups'],
				operationId: 'getGroup',
				responses: { '200': ok(ref('GroupDetail')), ...errors('401', '404') }
			},
			patch: {
				tags: ['groups'],
				operationId: 'updateGroup',
				summary: 'Change some settings (group managers)',
				requestBody: jsonBody(
					{ type: 'object', properties: groupSettings },
					'Fields left out keep their values.'
				),
				responses: { '200': ok(ref('GroupDetail')), ...errors('400', '401', '404', '409', '415') }
			},
			delete: {
				tags: ['groups'],
				operationId: 'deleteGroup',
				summary: 'Delete a group with its sub-groups and memberships',
				description:
					'Send the counts from `GET /groups/{id}/delete-preview`: if the subtree has changed since, nothing is ' +
					'deleted and the answer is 409.',
				parameters: [
					{
						name: 'expectSubgroups',
						in: 'query',
						required: true,
						description: '`subgroups.length` of the preview.',
						schema: { type: 'integer', minimum: 0 }
					},
					{
						name: 'expectMemberships',
						in: 'query',
						required: true,
						description: '`memberships` of the preview.',
						schema: { type: 'integer', minimum: 0 }
					}
				],
				responses: {
					'200': ok({
						type: 'object',
						required: ['deletedGroups', 'deletedMemberships'],
						properties: {
							deletedGroups: { type: 'integer' },
							deletedMemberships: { type: 'integer' }
						}
					}),
					...errors('400', '401', '404', '409')
				}
			}
		},
		'/groups/{id}/delete-preview': {
			parameters: [groupId],
			get: {
				tags: ['groups'],
				operationId: 'previewGroupDelete',
				summary: 'What deleting the group would take with it',
				responses: { '200': ok(ref('DeletePreview')), ...errors('401', '404') }
			}
		},
		'/groups/{id}/move': {
			parameters: [groupId],
			post: {
				tags: ['groups'],
				operationId: 'moveGroup',
				summary:
					'Move the group and its subtree under another group of the same scope, or to the top',
				requestBody: jsonBody({
					type: 'object',
					required: ['parentId'],
					properties: {
						parentId: { ...nullableUuid, description: 'null: to the top of the scope.' }
					}
				}),
				responses: { '200': ok(ref('GroupDetail')), ...errors('400', '401', '404', '409', '415') }
			}
		},
		'/groups/{id}/members': {
			parameters: [groupId],
			get: {
				tags: ['memberships'],
				operationId: 'listGroupMembers',
				summary: 'Effective members: people in the group or any sub-group, each once',
				parameters: [
					{
						name: 'search',
						in: 'query',
						description: 'Part of a name or email.',
						schema: { type: 'string', maxLength: 200 }
					},
					{ name: 'role', in: 'query', schema: groupRole },
					{
						name: 'only',
						in: 'query',
						schema: { type: 'string', enum: ['all', 'direct', 'subgroups'], default: 'all' }
					}
				],
				responses: { '200': ok(listOf('Member')), ...errors('400', '401', '404') }
			},
			post: {
				tags: ['memberships'],
				operationId: 'addGroupMembers',
				summary: 'Add people by user id and/or email',
				description:
					'Unknown emails are listed in `errors`; everyone else is added or updated in one transaction. A size ' +
					'limit that would be passed refuses the whole change (409 `group_full`).',
				requestBody: jsonBody({
					type: 'object',
					properties: {
						userIds: { type: 'array', items: uuid, maxItems: 5000 },
						emails: { type: 'array', items: { type: 'string', format: 'email' }, maxItems: 5000 },
						role: { ...groupRole, default: 'member' },
						validFrom: { type: ['string', 'null'], format: 'date-time' },
						validUntil: { type: ['string', 'null'], format: 'date-time' }
					}
				}),
				responses: { '200': ok(ref('AddReport')), ...errors('400', '401', '404', '409', '415') }
			}
		},
		'/groups/{id}/members/{userId}': {
			parameters: [groupId, userId],
			delete: {
				tags: ['memberships'],
				operationId: 'removeGroupMember',
				summary: 'Remove a direct member',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/groups/{id}/members/role': {
			parameters: [groupId],
			post: {
				tags: ['memberships'],
				operationId: 'setGroupMemberRole',
				summary: 'Give many direct members one role (only group managers make leaders)',
				requestBody: jsonBody({
					type: 'object',
					required: ['userIds', 'role'],
					properties: { userIds: uuidArray, role: groupRole }
				}),
				responses: {
					'200': ok({
						type: 'object',
						required: ['changed'],
						properties: { changed: { type: 'integer' } }
					}),
					...errors('400', '401', '404', '415')
				}
			}
		},
		'/groups/{id}/join': {
			parameters: [groupId],
			post: {
				tags: ['memberships'],
				operationId: 'joinGroup',
				summary: 'Join an open group',
				responses: {
					'200': ok({
						type: 'object',
						required: ['joined'],
						properties: {
							joined: { type: 'boolean', description: 'false when the caller was already in it.' }
						}
					}),
					...errors('401', '403', '404', '409')
				}
			}
		},
		'/groups/{id}/leave': {
			parameters: [groupId],
			post: {
				tags: ['memberships'],
				operationId: 'leaveGroup',
				summary: 'Leave a group the caller is directly in',
				responses: { '204': noContent, ...errors('401', '403', '404') }
			}
		},
		'/groups/{id}/requests': {
			parameters: [groupId],
			get: {
				tags: ['memberships'],
				operationId: 'listJoinRequests',
				summary: 'Pending requests to join (those who manage the members)',
				responses: { '200': ok(listOf('JoinRequest')), ...errors('401', '404') }
			},
			post: {
				tags: ['memberships'],
				operationId: 'askToJoin',
				summary: 'Ask to join a group whose membership mode is request',
				requestBody: {
					required: false,
					content: {
						'application/json': {
							schema: {
								type: 'object',
								properties: { message: { type: 'string', maxLength: 1000 } }
							}
						}
					}
				},
				responses: {
					'201': ok({ type: 'object', required: ['id'], properties: { id: uuid } }, 'Created'),
					...errors('400', '401', '403', '404', '409', '415')
				}
			}
		},
		'/groups/{id}/requests/decide': {
			parameters: [groupId],
			post: {
				tags: ['memberships'],
				operationId: 'decideJoinRequests',
				summary: 'Approve (adding the people) or decline pending requests',
				requestBody: jsonBody({
					type: 'object',
					required: ['requestIds', 'approve'],
					properties: {
						requestIds: { type: 'array', items: uuid, minItems: 1, maxItems: 1000 },
						approve: { type: 'boolean' }
					}
				}),
				responses: {
					'200': ok({
						type: 'object',
						required: ['decided'],
						properties: { decided: { type: 'integer' } }
					}),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/requests/{id}': {
			parameters: [pathId('id', 'The join request id.')],
			delete: {
				tags: ['memberships'],
				operationId: 'withdrawJoinRequest',
				summary: 'Withdraw the caller\u2019s own pending request',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/groups/{id}/invites': {
			parameters: [groupId],
			get: {
				tags: ['invites'],
				operationId: 'listInvites',
				responses: { '200': ok(listOf('Invite')), ...errors('401', '404') }
			},
			post: {
				tags: ['invites'],
				operationId: 'createInvite',
				summary: 'Create an invitation; the token is shown once',
				description:
					'Bound to an email, only that person may use it (once); otherwise anyone with the token, up to maxUses ' +
					'times (null: unlimited).',
				requestBody: jsonBody({
					type: 'object',
					properties: {
						email: { type: ['string', 'null'], format: 'email' },
						maxUses: { type: ['integer', 'null'], minimum: 1, maximum: 10000 },
						expiresInDays: { type: 'integer', minimum: 1, maximum: 90, default: 14 }
					}
				}),
				responses: {
					'201': ok(
						{
							type: 'object',
							required: ['id', 'token', 'path', 'emailed'],
							properties: {
								id: uuid,
								token: { type: 'string' },
								path: { type: 'string', description: 'The page that redeems it in the app.' },
								emailed: {
									type: 'boolean',
									description: 'For an email-bound invitation: whether the email was sent.'
								}
							}
						},
						'Created'
					),
					...errors('400', '401', '404', '415')
				}
			}
		},
		'/groups/{id}/announcements': {
			parameters: [groupId],
			get: {
				tags: ['announcements'],
				operationId: 'listAnnouncements',
				summary: 'The group\u2019s announcements feed',
				description:
					'The group\u2019s own announcements and its ancestors\u2019 sent to sub-groups too; pinned first, then ' +
					'newest first. Scheduled ones are listed only for those who may post. Page back with `before` (a ' +
					'publishAt from the last page).',
				parameters: [
					{
						name: 'limit',
						in: 'query',
						schema: { type: 'integer', minimum: 1, maximum: 100, default: 30 }
					},
					{ name: 'before', in: 'query', schema: dateTime }
				],
				responses: {
					'200': ok({
						type: 'object',
						required: ['items', 'hasMore', 'canPost'],
						properties: {
							items: { type: 'array', items: ref('Announcement') },
							hasMore: { type: 'boolean' },
							canPost: { type: 'boolean' }
						}
					}),
					...errors('400', '401', '404')
				}
			},
			post: {
				tags: ['announcements'],
				operationId: 'createAnnouncement',
				summary: 'Post an announcement (admins, and leaders where the group lets them)',
				description:
					'Without publishAt it goes out at once: live to the group\u2019s sockets and by email (a background job) ' +
					'to members who want announcement emails. With publishAt (at most a year ahead) it goes out then.',
				requestBody: jsonBody({
					type: 'object',
					required: ['title', 'body'],
					properties: {
						title: { type: 'string', minLength: 1, maxLength: 200 },
						body: { type: 'string', minLength: 1, maxLength: 10000 },
						includeSubgroups: { type: 'boolean', default: false },
						pinned: { type: 'boolean', default: false },
						publishAt: { type: ['string', 'null'], format: 'date-time' }
					}
				}),
				responses: {
					'201': ok(ref('Announcement'), 'Created'),
					...errors('400', '401', '404', '415')
				}
			}
		},
		'/groups/{id}/announcements/seen': {
			parameters: [groupId],
			post: {
				tags: ['announcements'],
				operationId: 'markAnnouncementsSeen',
				summary: 'Mark announcements as seen by the caller',
				requestBody: jsonBody({
					type: 'object',
					required: ['ids'],
					properties: { ids: { type: 'array', items: uuid, minItems: 1, maxItems: 200 } }
				}),
				responses: {
					'200': ok({
						type: 'object',
						required: ['marked'],
						properties: { marked: { type: 'integer' } }
					}),
					...errors('400', '401', '404', '415')
				}
			}
		},
		'/groups/{id}/announcements/{announcementId}': {
			parameters: [groupId, pathId('announcementId', 'The announcement id.')],
			get: {
				tags: ['announcements'],
				operationId: 'getAnnouncement',
				responses: { '200': ok(ref('Announcement')), ...errors('401', '404') }
			},
			patch: {
				tags: ['announcements'],
				operationId: 'pinAnnouncement',
				summary: 'Pin or unpin',
				requestBody: jsonBody({
					type: 'object',
					required: ['pinned'],
					properties: { pinned: { type: 'boolean' } }
				}),
				responses: { '200': ok(ref('Announcement')), ...errors('400', '401', '404', '415') }
			},
			delete: {
				tags: ['announcements'],
				operationId: 'deleteAnnouncement',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/groups/{id}/announcements/{announcementId}/seen-by': {
			parameters: [groupId, pathId('announcementId', 'The announcement id.')],
			get: {
				tags: ['announcements'],
				operationId: 'announcementSeenBy',
				summary: '\u201cSeen by N of M\u201d, for those who may post in the group',
				description:
					'The audience is the group\u2019s members (its whole subtree\u2019s when sent to sub-groups too), ' +
					'without the author.',
				responses: { '200': ok(ref('SeenBy')), ...errors('401', '404') }
			}
		},
		'/groups/{id}/resources': {
			parameters: [groupId],
			get: {
				tags: ['resources'],
				operationId: 'listResources',
				summary: 'The group\u2019s library: resources, folders, tags and storage',
				parameters: [
					{ name: 'folder', in: 'query', schema: { type: 'string', maxLength: 100 } },
					{ name: 'tag', in: 'query', schema: { type: 'string', maxLength: 40 } },
					{ name: 'search', in: 'query', schema: { type: 'string', maxLength: 200 } }
				],
				responses: { '200': ok(ref('Library')), ...errors('400', '401', '404') }
			},
			post: {
				tags: ['resources'],
				operationId: 'shareLink',
				summary: 'Share a link (any reader of the group)',
				requestBody: jsonBody(ref('LinkWrite')),
				responses: { '201': ok(ref('Resource'), 'Created'), ...errors('400', '401', '404', '415') }
			}
		},
		'/groups/{id}/resources/files': {
			parameters: [groupId],
			post: {
				tags: ['resources'],
				operationId: 'uploadFile',
				summary: 'Upload a file (any reader of the group)',
				description:
					'multipart/form-data with a `file` field (title, description, folder and tags fields before it), or the ' +
					'raw bytes with `?filename=` (and the details in the query). At most UPLOAD_MAX_BYTES (25 MB by ' +
					'default) and the group\u2019s remaining quota (413 `too_large` / `quota_exceeded`). The type is ' +
					'found from the content and must match the name (415 `unsupported_file`); web pages, SVG and XML ' +
					'are refused; names with folders are refused (400 `unsafe_filename`). Scripts send the raw bytes ' +
					'(any Content-Type but the form types): a form post needs an Origin header naming this server.',
				parameters: [
					{ name: 'filename', in: 'query', schema: { type: 'string', maxLength: 255 } },
					{ name: 'title', in: 'query', schema: { type: 'string', maxLength: 200 } },
					{ name: 'description', in: 'query', schema: { type: 'string', maxLength: 2000 } },
					{ name: 'folder', in: 'query', schema: { type: 'string', maxLength: 100 } },
					{ name: 'tags', in: 'query', schema: { type: 'string', description: 'Comma-separated.' } }
				],
				requestBody: {
					required: true,
					content: {
						'multipart/form-data': {
							schema: {
								type: 'object',
								required: ['file'],
								properties: {
									title: { type: 'string' },
									description: { type: 'string' },
									folder: { type: 'string' },
									tags: { type: 'string' },
									file: { type: 'string', format: 'binary' }
								}
							}
						},
						'application/octet-stream': { schema: { type: 'string', format: 'binary' } }
					}
				},
				responses: {
					'201': ok(ref('Resource'), 'Created'),
					...errors('400', '401', '404', '413', '415')
				}
			}
		},
		'/groups/{id}/resources/storage': {
			parameters: [groupId],
			put: {
				tags: ['resources'],
				operationId: 'setStorageQuota',
				summary: 'Set the group\u2019s storage quota (admins of its scope)',
				description:
					'A quota below what the group uses deletes nothing; uploads are refused until files are removed.',
				requestBody: jsonBody({
					type: 'object',
					required: ['quotaBytes'],
					properties: { quotaBytes: { type: 'integer', minimum: 0, maximum: 1099511627776 } }
				}),
				responses: {
					'200': ok({
						type: 'object',
						properties: { usedBytes: { type: 'integer' }, quotaBytes: { type: 'integer' } }
					}),
					...errors('400', '401', '404', '415')
				}
			}
		},
		'/groups/{id}/resources/{resourceId}': {
			parameters: [groupId, pathId('resourceId', 'The resource id.')],
			get: {
				tags: ['resources'],
				operationId: 'getResource',
				responses: { '200': ok(ref('Resource')), ...errors('401', '404') }
			},
			patch: {
				tags: ['resources'],
				operationId: 'updateResource',
				summary: 'Change title, description, folder or tags (the sharer, moderators, admins)',
				requestBody: jsonBody({
					type: 'object',
					properties: {
						title: { type: 'string', maxLength: 200 },
						description: { type: 'string', maxLength: 2000 },
						folder: { type: 'string', maxLength: 100 },
						tags: { type: 'array', items: { type: 'string', maxLength: 40 }, maxItems: 20 }
					}
				}),
				responses: { '200': ok(ref('Resource')), ...errors('400', '401', '404', '415') }
			},
			delete: {
				tags: ['resources'],
				operationId: 'deleteResource',
				summary: 'Delete (the sharer, moderators, admins); a file\u2019s bytes go too',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/groups/{id}/resources/{resourceId}/download': {
			parameters: [groupId, pathId('resourceId', 'The resource id.')],
			get: {
				tags: ['resources'],
				operationId: 'downloadResource',
				summary: 'The file, as an attachment (Content-Disposition), to readers of the group',
				responses: {
					'200': {
						description:
							'The bytes, with the type found at upload and X-Content-Type-Options: nosniff.',
						content: {
							'application/octet-stream': { schema: { type: 'string', format: 'binary' } }
						}
					},
					...errors('401', '404')
				}
			}
		},
		'/invites/{id}': {
			parameters: [pathId('id', 'The invitation id.')],
			delete: {
				tags: ['invites'],
				operationId: 'revokeInvite',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/invites/redeem': {
			post: {
				tags: ['invites'],
				operationId: 'redeemInvite',
				summary: 'Join the invitation\u2019s group as the caller',
				description:
					'An expired, used-up, withdrawn or someone else\u2019s invitation is a 404 `invalid_invite`.',
				requestBody: jsonBody({
					type: 'object',
					required: ['token'],
					properties: { token: { type: 'string' } }
				}),
				responses: {
					'200': ok({
						type: 'object',
						required: ['groupId', 'joined'],
						properties: { groupId: uuid, joined: { type: 'boolean' } }
					}),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/courses/{id}/groups': {
			parameters: [courseId],
			get: {
				tags: ['groups'],
				operationId: 'listCourseGroups',
				summary: "The course's group tree as the caller sees it",
				parameters: [search],
				responses: { '200': ok(listOf('GroupNode')), ...errors('400', '401', '404') }
			}
		},
		'/courses/{id}/links': {
			parameters: [courseId],
			get: {
				tags: ['cohorts'],
				operationId: 'listCourseLinks',
				summary: 'Groups linked to the course (course staff)',
				responses: { '200': ok(listOf('CourseLink')), ...errors('401', '404') }
			},
			post: {
				tags: ['cohorts'],
				operationId: 'linkGroupToCourse',
				summary:
					'Link a group (sub-groups included): its members are enrolled now and kept in step',
				requestBody: jsonBody({
					type: 'object',
					required: ['groupId'],
					properties: {
						groupId: uuid,
						courseRole: courseLinkRole,
						target: {
							oneOf: [uuid, { type: 'string', enum: ['new', ''] }],
							default: '',
							description:
								'A course group to place the members in, `new` for a new synced group "<group> cohort", or empty.'
						},
						removalPolicy: { ...removalPolicy, default: 'suspend' }
					}
				}),
				responses: {
					'201': ok(ref('CourseLink'), 'Created'),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/links/{id}': {
			parameters: [pathId('id', 'The course link id.')],
			get: {
				tags: ['cohorts'],
				operationId: 'getCourseLink',
				responses: { '200': ok(ref('CourseLink')), ...errors('401', '404') }
			},
			patch: {
				tags: ['cohorts'],
				operationId: 'updateCourseLink',
				summary: 'Change the course role or the removal policy',
				requestBody: jsonBody(
					{ type: 'object', properties: { courseRole, removalPolicy } },
					'Fields left out keep their values.'
				),
				responses: { '200': ok(ref('CourseLink')), ...errors('400', '401', '404', '415') }
			},
			delete: {
				tags: ['cohorts'],
				operationId: 'unlinkCourseLink',
				summary: 'Unlink; only enrolments that came from this link follow its removal policy',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/tokens': {
			get: {
				tags: ['tokens'],
				operationId: 'listTokens',
				summary: "The caller's personal access tokens (session only)",
				security: [{ sessionCookie: [] }],
				responses: { '200': ok(listOf('ApiToken')), ...errors('401', '403') }
			},
			post: {
				tags: ['tokens'],
				operationId: 'createToken',
				summary: 'Create a personal access token (session only); the secret is shown once',
				security: [{ sessionCookie: [] }],
				requestBody: jsonBody({
					type: 'object',
					required: ['name'],
					properties: {
						name: { type: 'string', maxLength: 100 },
						expiresInDays: { type: 'integer', minimum: 1, maximum: 365 }
					}
				}),
				responses: {
					'201': ok(
						{
							type: 'object',
							required: ['id', 'name', 'secret'],
							properties: {
								id: uuid,
								name: { type: 'string' },
								secret: { type: 'string', pattern: '^tsr_' }
							}
						},
						'Created'
					),
					...errors('400', '401', '403', '415')
				}
			}
		},
		'/tokens/{id}': {
			parameters: [pathId('id', 'The token id.')],
			delete: {
				tags: ['tokens'],
				operationId: 'revokeToken',
				summary: 'Revoke a token (session only)',
				security: [{ sessionCookie: [] }],
				responses: { '204': noContent, ...errors('401', '403', '404') }
			}
		},
		'/openapi.json': {
			get: {
				tags: ['session'],
				operationId: 'getOpenApi',
				summary: 'This document',
				security: [],
				responses: { '200': ok({ type: 'object' }) }
			}
		}
	},
	components: {
		securitySchemes: {
			bearerAuth: {
				type: 'http',
				scheme: 'bearer',
				bearerFormat: 'tsr_…',
				description: 'A personal access token.'
			},
			sessionCookie: { type: 'apiKey', in: 'cookie', name: 'tessera_session' }
		},
		responses: {
			'400': {
				description: 'The input is not valid; `issues` lists each problem by field.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'401': {
				description: 'No valid token or session, or wrong credentials.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'403': {
				description:
					'This needs a session, not a token; or the group does not allow it (not open, not by request).',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'404': {
				description: 'Not found, or you do not have access.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'409': {
				description:
					'Conflicts with existing data (a slug, code or idnumber is taken, the group is full or has changed since the preview).',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'413': {
				description: 'The body is over 2 MB, or the list is over 5,000 rows.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'415': {
				description: 'The body has the wrong Content-Type.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'429': {
				description: 'Too many attempts.',
				headers: {
					'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } }
				},
				content: { 'application/json': { schema: ref('Error') } }
			}
		},
		schemas: {
			...progressSchemas,
			...courseGroupSchemas,
			Error: {
				type: 'object',
				required: ['error'],
				properties: {
					error: {
						type: 'object',
						required: ['code', 'message', 'issues'],
						properties: {
							code: { type: 'string', examples: ['not_found', 'invalid_input', 'unauthenticated'] },
							message: { type: 'string', description: 'A sentence a person can act on.' },
							issues: {
								type: 'array',
								items: {
									type: 'object',
									required: ['message'],
									properties: { path: { type: 'string' }, message: { type: 'string' } }
								}
							}
						}
					}
				}
			},
			User: {
				type: 'object',
				required: ['id', 'email', 'displayName', 'platformRole'],
				properties: {
					id: uuid,
					email: { type: 'string' },
					displayName: { type: 'string' },
					platformRole: { type: 'string', enum: ['admin', 'user'] }
				}
			},
			Me: {
				allOf: [
					ref('User'),
					{
						type: 'object',
						properties: { authenticatedWith: { type: 'string', enum: ['session', 'token'] } }
					}
				]
			},
			Organisation: {
				type: 'object',
				properties: {
					id: uuid,
					name: { type: 'string' },
					slug: { type: 'string' },
					description: { type: 'string' },
					createdAt: dateTime,
					courseCount: { type: 'integer' },
					memberCount: { type: 'integer' },
					myRole: { type: ['string', 'null'], enum: ['admin', 'member', null] }
				}
			},
			OrganisationMember: {
				type: 'object',
				properties: {
					userId: uuid,
					email: { type: 'string' },
					displayName: { type: 'string' },
					role: { type: 'string', enum: ['admin', 'member'] },
					addedAt: dateTime
				}
			},
			Course: {
				type: 'object',
				properties: {
					id: uuid,
					organisationId: uuid,
					organisationName: { type: 'string' },
					organisationSlug: { type: 'string' },
					code: { type: 'string' },
					name: { type: 'string' },
					description: { type: 'string' },
					createdAt: dateTime,
					participantCount: { type: 'integer' },
					myRole: { type: ['string', 'null'], enum: ['learner', 'assistant', 'instructor', null] },
					canManage: { type: 'boolean' },
					groupMode: groupModeSchema
				}
			},
			Enrolment: {
				type: 'object',
				properties: {
					userId: uuid,
					displayName: { type: 'string' },
					email: { type: 'string' },
					role: courseRole,
					status: { type: 'string', enum: ['active', 'suspended'] },
					source: { type: 'string' },
					enrolledAt: dateTime
				}
			},
			EnrolmentPage: {
				type: 'object',
				required: ['items', 'total', 'page', 'pageSize', 'pageCount'],
				properties: {
					items: { type: 'array', items: ref('Enrolment') },
					total: { type: 'integer' },
					page: { type: 'integer' },
					pageSize: { type: 'integer' },
					pageCount: { type: 'integer' }
				}
			},
			EnrolReport: {
				type: 'object',
				required: ['rows', 'counts', 'applied'],
				properties: {
					rows: {
						type: 'array',
						items: {
							type: 'object',
							properties: {
								line: { type: 'integer' },
								email: { type: 'string' },
								displayName: { type: ['string', 'null'] },
								role: { type: 'string' },
								status: { type: 'string', enum: ['enrol', 'update', 'unchanged', 'error'] },
								message: { type: 'string' }
							}
						}
					},
					counts: {
						type: 'object',
						properties: {
							enrol: { type: 'integer' },
							update: { type: 'integer' },
							unchanged: { type: 'integer' },
							error: { type: 'integer' }
						}
					},
					applied: { type: 'boolean', description: 'false for a dry run.' }
				}
			},
			Group: {
				type: 'object',
				properties: {
					id: uuid,
					scope: { type: 'string', enum: ['platform', 'organisation', 'course'] },
					organisationId: nullableUuid,
					courseId: nullableUuid,
					parentId: nullableUuid,
					...groupSettings,
					createdAt: dateTime,
					updatedAt: dateTime
				}
			},
			GroupNode: {
				allOf: [
					ref('Group'),
					{
						type: 'object',
						properties: {
							depth: { type: 'integer', description: '0 at the top of the scope.' },
							directMembers: { type: 'integer' },
							effectiveMembers: {
								type: 'integer',
								description: 'Including sub-groups, each person once.'
							},
							childCount: { type: 'integer' },
							canManage: { type: 'boolean' },
							isMember: { type: 'boolean' },
							isLeader: { type: 'boolean' }
						}
					}
				]
			},
			GroupDetail: {
				allOf: [
					ref('GroupNode'),
					{
						type: 'object',
						properties: {
							path: {
								type: 'array',
								description: 'Ancestors the caller can see, root first.',
								items: {
									type: 'object',
									properties: { id: uuid, name: { type: 'string' } }
								}
							},
							canManageMembers: { type: 'boolean' },
							canCreateSubgroups: { type: 'boolean' }
						}
					}
				]
			},
			DeletePreview: {
				type: 'object',
				required: ['group', 'subgroups', 'memberships', 'people', 'courseLinks'],
				properties: {
					group: { type: 'object', properties: { id: uuid, name: { type: 'string' } } },
					subgroups: {
						type: 'array',
						items: {
							type: 'object',
							properties: { id: uuid, name: { type: 'string' }, depth: { type: 'integer' } }
						}
					},
					memberships: { type: 'integer' },
					people: { type: 'integer' },
					courseLinks: { type: 'integer' }
				}
			},
			Member: {
				type: 'object',
				properties: {
					userId: uuid,
					displayName: { type: 'string' },
					email: { type: 'string' },
					role: groupRole,
					source: { type: 'string', enum: ['manual', 'self', 'invite', 'rule', 'sync', 'auto'] },
					validFrom: { type: ['string', 'null'], format: 'date-time' },
					validUntil: { type: ['string', 'null'], format: 'date-time' },
					addedAt: dateTime,
					direct: {
						type: 'boolean',
						description: 'false when the person comes through a sub-group.'
					},
					viaGroupId: uuid,
					viaGroupName: { type: 'string' }
				}
			},
			AddReport: {
				type: 'object',
				required: ['added', 'updated', 'unchanged', 'errors'],
				properties: {
					added: { type: 'integer' },
					updated: { type: 'integer' },
					unchanged: { type: 'integer' },
					errors: {
						type: 'array',
						items: {
							type: 'object',
							properties: { email: { type: 'string' }, message: { type: 'string' } }
						}
					}
				}
			},
			JoinRequest: {
				type: 'object',
				properties: {
					id: uuid,
					groupId: uuid,
					userId: uuid,
					displayName: { type: 'string' },
					email: { type: 'string' },
					message: { type: 'string' },
					status: { type: 'string', enum: ['pending', 'approved', 'declined', 'withdrawn'] },
					createdAt: dateTime,
					decidedAt: { type: ['string', 'null'], format: 'date-time' }
				}
			},
			Invite: {
				type: 'object',
				properties: {
					id: uuid,
					email: { type: ['string', 'null'] },
					maxUses: { type: ['integer', 'null'] },
					uses: { type: 'integer' },
					expiresAt: dateTime,
					revokedAt: { type: ['string', 'null'], format: 'date-time' },
					createdAt: dateTime
				}
			},
			ImportReport: {
				type: 'object',
				required: ['rows', 'counts', 'blocked', 'applied'],
				properties: {
					rows: {
						type: 'array',
						items: {
							type: 'object',
							properties: {
								line: { type: 'integer' },
								status: { type: 'string', enum: ['create', 'add', 'update', 'unchanged', 'error'] },
								message: { type: 'string' },
								values: { type: 'object', additionalProperties: { type: 'string' } }
							}
						}
					},
					counts: {
						type: 'object',
						properties: {
							create: { type: 'integer' },
							add: { type: 'integer' },
							update: { type: 'integer' },
							unchanged: { type: 'integer' },
							error: { type: 'integer' }
						}
					},
					blocked: {
						type: 'boolean',
						description: 'A problem blocks the whole file: nothing was written.'
					},
					applied: { type: 'boolean', description: 'false for a dry run or a blocked file.' }
				}
			},
			CourseLink: {
				type: 'object',
				properties: {
					id: uuid,
					courseId: uuid,
					groupId: uuid,
					groupName: { type: 'string' },
					courseRole,
					targetGroupId: nullableUuid,
					targetGroupName: { type: ['string', 'null'] },
					removalPolicy,
					enrolled: { type: 'integer', description: 'People enrolled through this link.' },
					createdAt: dateTime
				}
			},
			ApiToken: {
				type: 'object',
				properties: {
					id: uuid,
					name: { type: 'string' },
					createdAt: dateTime,
					lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
					expiresAt: { type: ['string', 'null'], format: 'date-time' },
					revokedAt: { type: ['string', 'null'], format: 'date-time' }
				}
			},
			Announcement: {
				type: 'object',
				properties: {
					id: uuid,
					groupId: uuid,
					groupName: { type: 'string' },
					author: {
						type: ['object', 'null'],
						properties: { id: uuid, displayName: { type: 'string' } }
					},
					title: { type: 'string' },
					body: { type: 'string' },
					includeSubgroups: { type: 'boolean' },
					publishAt: dateTime,
					publishedAt: { type: ['string', 'null'], format: 'date-time' },
					pinned: { type: 'boolean' },
					createdAt: dateTime,
					fromAncestor: {
						type: 'boolean',
						description: 'Posted in an ancestor, to sub-groups too.'
					},
					scheduled: { type: 'boolean' },
					seen: { type: 'boolean', description: 'Whether the caller has marked it seen.' },
					canManage: { type: 'boolean' }
				}
			},
			SeenBy: {
				type: 'object',
				properties: {
					seen: { type: 'integer' },
					audience: { type: 'integer' },
					people: {
						type: 'array',
						items: {
							type: 'object',
							properties: {
								id: uuid,
								displayName: { type: 'string' },
								seenAt: { type: ['string', 'null'], format: 'date-time' }
							}
						}
					}
				}
			},
			LinkWrite: {
				type: 'object',
				required: ['title', 'url'],
				properties: {
					title: { type: 'string', minLength: 1, maxLength: 200 },
					url: {
						type: 'string',
						format: 'uri',
						maxLength: 2000,
						description: 'http or https only.'
					},
					description: { type: 'string', maxLength: 2000 },
					folder: { type: 'string', maxLength: 100 },
					tags: {
						oneOf: [
							{ type: 'array', items: { type: 'string', maxLength: 40 }, maxItems: 20 },
							{ type: 'string', description: 'Comma-separated.' }
						]
					}
				}
			},
			Resource: {
				type: 'object',
				properties: {
					id: uuid,
					groupId: uuid,
					kind: { type: 'string', enum: ['link', 'file'] },
					title: { type: 'string' },
					description: { type: 'string' },
					url: { type: ['string', 'null'] },
					folder: { type: 'string' },
					tags: { type: 'array', items: { type: 'string' } },
					filename: { type: ['string', 'null'] },
					contentType: { type: ['string', 'null'] },
					size: { type: ['integer', 'null'] },
					previewable: {
						type: 'boolean',
						description: 'A raster image: show the download in an <img>.'
					},
					addedBy: {
						type: ['object', 'null'],
						properties: { id: uuid, displayName: { type: 'string' } }
					},
					createdAt: dateTime,
					canRemove: { type: 'boolean' }
				}
			},
			Library: {
				type: 'object',
				properties: {
					items: { type: 'array', items: ref('Resource') },
					folders: {
						type: 'array',
						items: {
							type: 'object',
							properties: { name: { type: 'string' }, count: { type: 'integer' } }
						}
					},
					tags: {
						type: 'array',
						items: {
							type: 'object',
							properties: { name: { type: 'string' }, count: { type: 'integer' } }
						}
					},
					storage: {
						type: 'object',
						properties: { usedBytes: { type: 'integer' }, quotaBytes: { type: 'integer' } }
					},
					maxUploadBytes: { type: 'integer' },
					canModerate: { type: 'boolean' }
				}
			}
		}
	}
} as const;
