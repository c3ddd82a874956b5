/**
 * Every `security definer` function an API role may execute, reviewed. A definer function runs as
 * its owner, past every policy, so each one must either read only what its caller may read anyway
 * (`caller`: it answers about auth.uid() itself), check the caller's right inside (`checks`), or be
 * the system's alone (`system`: service_role, which may read and change every table anyway).
 *
 * rls-lint fails on a function an API role can execute that is not here (or is here with other
 * roles), and definer-functions.test.ts calls every entry as an outsider (anon, a learner of
 * another course, a learner of another organisation) and shows it reveals and changes nothing.
 * anon is on no entry: it executes no private function.
 */
export type DefinerReview = {
	/** schema.name(argument types), as `oidvectortypes` prints them. */
	signature: string;
	roles: readonly ('authenticated' | 'service_role')[];
	kind: 'caller' | 'checks' | 'system';
	reason: string;
	/** Raises 42501 for a caller it refuses (rather than answering no). */
	refusesOutsiders?: true;
};

const USER = ['authenticated', 'service_role'] as const;
const SYSTEM = ['service_role'] as const;

/** The caller's own sets, read by the policies (and the app's UI flags) and nothing else. */
function callerSet(signature: string, what: string): DefinerReview {
	return { signature, roles: USER, kind: 'caller', reason: `the caller's own ${what}` };
}

export const DEFINER_REVIEW: readonly DefinerReview[] = [
	callerSet('private.admin_organisation_ids()', 'organisations they administer'),
	callerSet('private.announcer_group_ids_array()', 'groups they may announce in'),
	callerSet('private.chat_group_ids_array()', 'groups they may chat in'),
	callerSet('private.chat_readable_group_ids_array()', 'groups whose chat they may read'),
	callerSet(
		'private.closed_activity_ids_array()',
		'restricted activities of their courses that stay closed to them'
	),
	callerSet('private.course_followed_pairs()', '(course, learner) pairs they lead'),
	{
		signature: 'private.effective_group_mode(text, boolean, text)',
		roles: USER,
		kind: 'caller',
		reason: 'reads no table: the group mode an activity works in, from its arguments'
	},
	callerSet(
		'private.group_limited_activity_ids_array()',
		'activities in separate group mode of courses they staff without access to all groups'
	),
	callerSet(
		'private.group_limited_activity_learners()',
		'learners sharing a group with them in those activities'
	),
	callerSet('private.followed_course_ids_array()', 'courses of the learners they follow'),
	callerSet('private.followed_user_ids()', 'learners they follow'),
	callerSet('private.is_platform_admin()', 'platform role'),
	callerSet('private.leader_managed_group_ids()', 'groups they manage as leader'),
	callerSet('private.leader_parent_group_ids()', 'groups they may create sub-groups in'),
	{
		signature: 'private.learner_group_course_ids_array()',
		roles: USER,
		kind: 'caller',
		reason:
			'courses with learner groups switched on, among the courses the caller staffs (all for a platform admin)'
	},
	callerSet('private.led_group_ids()', 'groups they lead'),
	callerSet('private.managed_course_ids()', 'courses they manage'),
	callerSet('private.managed_group_ids()', 'groups they manage'),
	callerSet('private.managed_group_ids_array()', 'groups they manage'),
	callerSet('private.member_group_ids()', 'groups they are an effective member of'),
	callerSet('private.member_learner_group_ids_array()', 'learner groups'),
	callerSet('private.member_list_group_ids()', 'groups whose member list they may read'),
	callerSet('private.member_organisation_ids()', 'organisations'),
	callerSet('private.moderated_group_ids_array()', 'groups they moderate'),
	callerSet('private.readable_ancestor_ids_array()', "readable groups' ancestors"),
	callerSet('private.readable_group_ids_array()', 'groups whose channels they read'),
	callerSet('private.received_announcement_ids_array()', 'announcements sent to them alone'),
	callerSet('private.received_intervention_ids_array()', 'interventions'),
	callerSet('private.separate_course_ids_array()', 'courses in separate group mode'),
	callerSet('private.separate_peer_ids_array()', 'group peers in separate-mode courses'),
	callerSet('private.signup_group_ids()', 'groups open to their sign-up now'),
	callerSet('private.signup_listed_group_ids()', 'groups listed for their sign-up'),
	callerSet('private.staffed_course_ids()', 'courses they staff'),
	callerSet('private.staffed_course_ids_array()', 'courses they staff'),
	callerSet('private.staffed_learner_group_ids_array()', 'learner groups of courses they staff'),
	callerSet('private.via_api()', 'transaction claims (came through the API or not)'),
	callerSet('private.visible_course_ids()', 'visible courses'),
	callerSet('private.visible_course_ids_array()', 'visible courses'),
	callerSet('private.visible_group_ids()', 'visible groups'),
	callerSet('private.visible_mode_course_ids_array()', 'courses in visible group mode'),
	callerSet('private.visible_user_ids()', 'visible people'),
	callerSet(
		'private.visible_emails()',
		'readable email addresses (their own, the people they manage, learners where the organisation allows)'
	),
	callerSet('private.chat_rooms()', 'chat rooms and when their memberships next change'),
	callerSet('private.conversation_ids_array()', 'direct conversations'),
	{
		signature: 'private.messageable_ids(uuid[])',
		roles: USER,
		kind: 'checks',
		reason: 'of the people named, those the caller may message (nobody, for an outsider)'
	},
	{
		signature: 'private.conversation_storage(uuid)',
		roles: USER,
		kind: 'checks',
		reason: 'the storage used by a conversation the caller is in (0 for any other), and its quota'
	},
	{
		signature: 'private.messageable_people(text)',
		roles: USER,
		kind: 'checks',
		reason:
			'names and ids of the people the caller may message whose name matches (nobody, for an outsider)'
	},
	{
		signature: 'private.start_conversation(uuid[])',
		roles: USER,
		kind: 'checks',
		reason:
			'opens a conversation of the caller only, with people the caller may message; refuses otherwise',
		refusesOutsiders: true
	},
	{
		signature: 'private.lock_group_for_add(uuid)',
		roles: USER,
		kind: 'checks',
		reason:
			"locks a course group and its grouping siblings before an add, for people who may manage the group's members only"
	},
	{
		signature: 'private.self_enrol(uuid, text)',
		roles: ['authenticated'],
		kind: 'checks',
		reason:
			'enrols the caller only, in a course open to them with a key that matches; answers an outcome, never a key'
	},
	{
		signature: 'private.self_enrolment_courses()',
		roles: USER,
		kind: 'caller',
		reason:
			"courses open for self-enrolment in the caller's organisations that they are not in; never a key"
	},
	{
		signature: 'private.activity_allowed_groups()',
		roles: USER,
		kind: 'caller',
		reason:
			'restrictions of the courses the caller staffs, takes part in or follows (all for the system and platform admins)'
	},
	{
		signature: 'private.can_chat_in(uuid)',
		roles: USER,
		kind: 'checks',
		reason: 'answers only whether the caller may chat in the group'
	},
	{
		signature: 'private.can_post_in_row(channels)',
		roles: USER,
		kind: 'checks',
		reason:
			'answers only whether the caller may post in that channel (the row may be forged: its group is still checked against the caller)'
	},
	{
		signature: 'private.can_post_in(uuid)',
		roles: USER,
		kind: 'checks',
		reason:
			'answers only whether the caller may post in the channel (no for a channel of a group they are not in)'
	},
	{
		signature: 'private.may_mention_channel(uuid)',
		roles: USER,
		kind: 'checks',
		reason: 'answers only whether the caller may use @channel in the group'
	},
	{
		signature: 'private.mentionable_people(uuid)',
		roles: USER,
		kind: 'checks',
		reason:
			'the chat participants of a channel whose group the caller chats in (nobody otherwise), for the mention picker'
	},
	{
		signature: 'private.course_participants_in_group(uuid, uuid)',
		roles: USER,
		kind: 'checks',
		reason:
			'of a course the caller manages, the participants in a group the caller can see (nothing otherwise), for auto-create from a cohort'
	},
	{
		signature: 'private.course_median_progress(uuid[])',
		roles: USER,
		kind: 'checks',
		reason: 'drops the courses the caller neither staffs nor follows learners in'
	},
	{
		signature: 'private.lock_signup_group(uuid)',
		roles: USER,
		kind: 'checks',
		reason: 'locks and answers only for a group open to the caller’s own sign-up'
	},
	{
		signature: 'private.open_restricted_activities(uuid[], uuid[])',
		roles: USER,
		kind: 'checks',
		reason: 'answers for the caller, the courses they staff and the learners they follow'
	},
	{
		signature: 'private.restricted_activity_stubs(uuid)',
		roles: USER,
		kind: 'checks',
		reason: 'the closed activities of a course the caller takes part in'
	},
	{
		signature: 'private.signup_group_places(uuid[])',
		roles: USER,
		kind: 'checks',
		reason: 'places of groups the caller can see, staffs or may sign up to'
	},
	{
		signature: 'private.user_ids_by_email(text[])',
		roles: USER,
		kind: 'checks',
		reason:
			'resolves emails for admins, course managers and managing leaders only, and only to people they could already see (course managers: their organisations’ people)'
	},
	{
		signature: 'private.can_admit_to_group(uuid)',
		roles: USER,
		kind: 'caller',
		reason: 'whether the caller’s own invitations to a group may bring outsiders in'
	},
	{
		signature: 'private.group_scope_user_ids(uuid, uuid[])',
		roles: USER,
		kind: 'checks',
		reason: 'of the people named, those the caller can already see whom the group’s scope takes'
	},
	{
		signature: 'private.binned_group_ids_array()',
		roles: USER,
		kind: 'checks',
		reason:
			'the ids (no names, nothing else) of groups in a bin, which the membership views subtract for every caller; a random id says nothing'
	},
	{
		signature: 'private.grouping_bin_preview(uuid)',
		roles: USER,
		kind: 'checks',
		reason:
			'what deleting a live grouping would put in the bin (counts, names of groups that stay), for its course managers only',
		refusesOutsiders: true
	},
	{
		signature: 'private.bin_grouping(uuid)',
		roles: USER,
		kind: 'checks',
		reason: 'puts a live grouping and its groups in the bin, for its course managers only',
		refusesOutsiders: true
	},
	{
		signature: 'private.course_bin(uuid)',
		roles: USER,
		kind: 'checks',
		reason: 'the binned groupings of a course, for its managers only',
		refusesOutsiders: true
	},
	{
		signature: 'private.restore_grouping(uuid, uuid, text)',
		roles: USER,
		kind: 'checks',
		reason: 'brings a binned grouping of the course back, for its course managers only',
		refusesOutsiders: true
	},
	{
		signature: 'private.purge_grouping(uuid, uuid)',
		roles: USER,
		kind: 'checks',
		reason: 'deletes a binned grouping of the course for good, for its course managers only',
		refusesOutsiders: true
	},
	{
		signature: 'private.purge_expired_bins(interval)',
		roles: SYSTEM,
		kind: 'system',
		reason: 'deletes bins older than 30 days, for the daily purge job'
	},
	{
		signature: 'private.remove_unsent_conversation_files()',
		roles: SYSTEM,
		kind: 'system',
		reason: 'files uploaded to conversations a day ago and never sent, for the blob cleanup job'
	},
	{
		signature: 'private.touch_activity(uuid)',
		roles: SYSTEM,
		kind: 'system',
		reason: 'marks a person active (session checks, learner events, posts)'
	},
	{
		signature: 'private.admits_to_course(uuid, uuid)',
		roles: SYSTEM,
		kind: 'system',
		reason: 'whether an invitation’s sender may still enrol people, checked when it is accepted'
	},
	{
		signature: 'private.admits_to_group(uuid, uuid)',
		roles: SYSTEM,
		kind: 'system',
		reason:
			'whether an invitation’s sender may bring outsiders into the group, checked on acceptance'
	},
	{
		signature: 'private.memberships_outside_scope(uuid[], uuid[])',
		roles: SYSTEM,
		kind: 'system',
		reason: 'the scope rule for any person and group, for the trigger and invitation redemption'
	},
	{
		signature: 'private.course_progress(uuid[], timestamp with time zone)',
		roles: SYSTEM,
		kind: 'system',
		reason: 'everyone’s progress, for learner-group refreshes'
	},
	{
		signature: 'private.learner_facts_snapshot()',
		roles: SYSTEM,
		kind: 'system',
		reason: 'learner-group freshness bookkeeping'
	},
	{
		signature: 'private.learner_group_facts_changed(uuid, pg_snapshot)',
		roles: SYSTEM,
		kind: 'system',
		reason: 'learner-group freshness bookkeeping'
	},
	{
		signature: 'private.progress_watcher_ids(uuid[], uuid[])',
		roles: SYSTEM,
		kind: 'system',
		reason: 'who follows whom, for the live "progress changed" signal the system sends'
	},
	{
		signature: 'private.announcement_audience(uuid)',
		roles: SYSTEM,
		kind: 'system',
		reason: 'who an announcement reaches, for its notifications and the email fan-out'
	},
	{
		signature: 'private.notification_delivery(uuid, text)',
		roles: SYSTEM,
		kind: 'system',
		reason: 'a person’s delivery preference for a kind, read by the email jobs'
	},
	{
		signature: 'private.prune_learner_fact_changes()',
		roles: SYSTEM,
		kind: 'system',
		reason: 'the daily clean-up job'
	},
	{
		signature: 'private.sync_course_links(uuid[], uuid[])',
		roles: SYSTEM,
		kind: 'system',
		reason: 'a course’s cohort re-sync (checks nothing: enrols and unenrols whoever the links say)'
	},
	{
		signature: 'private.sync_due_memberships()',
		roles: SYSTEM,
		kind: 'system',
		reason: 'the membership sweep job'
	}
];
