-- Every privilege of the API roles written out, none left to Supabase's default privileges (a
-- project created without them refused sign-up), and the security definer side doors closed.
--
-- Functions: nobody may execute a private function unless it is granted below. Earlier files
-- granted every private function to anon, authenticated and service_role, which let anon run
-- private.unlink_course_link (it deleted a cohort link's enrolments), private.sync_course_links,
-- private.chat_participant_ids (who is in any group) and private.lock_course_groupings (hold a
-- course's sign-ups). anon executes nothing here, nor uses the schema: every policy is
-- `to authenticated`, so anon never evaluates one. authenticated gets what the policies and the
-- app's own SQL call; service_role the same (shared SQL fragments) and what the system's jobs
-- call. Helpers that only other definer functions or triggers call run as their owner and need
-- no grant. The reviewed list, each function with its reason, is
-- tests/integration/rls/definer-review.ts; rls-lint fails on any function not on it.
--
-- Tables and sequences: the grants the app needs, per role, in full. TRUNCATE, REFERENCES,
-- TRIGGER and MAINTAIN (VACUUM, REINDEX, CLUSTER, LOCK) are nobody's but the owner's; the
-- identity sequences need no grant at all (an identity default does not check the sequence),
-- and UPDATE on them let anyone `setval` the audit log's ids back into collisions.

-- Reads only what the caller may read: restrictions of the courses the caller staffs, takes
-- part in or follows (everything for the system and platform admins). It listed every course's
-- restrictions to anyone.
create or replace function private.activity_allowed_groups()
returns table (activity_id uuid, group_id uuid)
language sql stable security definer set search_path = ''
as $$
  with readable as materialized (
    select coalesce(current_setting('role', true), '') = 'service_role'
        or (coalesce(current_setting('role', true), 'none') = 'none'
            and exists (select 1 from pg_catalog.pg_roles where rolname = session_user and (rolsuper or rolbypassrls)))
        or private.is_platform_admin() as everyone,
      private.visible_course_ids_array() || private.staffed_course_ids_array()
        || private.followed_course_ids_array() as course_ids
  ), restrictions as materialized (
    select r.* from public.activity_restrictions r, readable
    where readable.everyone or r.course_id = any (readable.course_ids)
  )
  select r.activity_id, r.group_id from restrictions r where r.group_id is not null
  union
  select r.activity_id, gg.group_id from restrictions r
  left join public.grouping_groups gg on gg.grouping_id = r.grouping_id
  where r.grouping_id is not null
  union
  select r.activity_id, null::uuid from restrictions r
  where r.group_id is null and r.grouping_id is null
$$;

-- Both policies that read it also require the caller to staff the course: it listed every
-- course with learner groups switched on to anyone.
create or replace function private.learner_group_course_ids_array()
returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  staffed uuid[] := private.staffed_course_ids_array();
  admin boolean := private.is_platform_admin();
begin
  return array(
    select course_id from public.course_progress_settings
    where learner_groups_enabled and (admin or course_id = any (staffed))
  );
end
$$;

revoke all on all functions in schema private from public, anon, authenticated, service_role;
revoke all on all functions in schema public from public, anon, authenticated, service_role;

-- Called by the policies (as authenticated). The app's SQL fragments that read them (UI flags such
-- as canManage) also run in system transactions, where they find no user and answer nothing; the
-- system may read and change every table anyway, so service_role gets them too.
grant execute on function
  private.admin_organisation_ids(),
  private.announcer_group_ids_array(),
  private.can_chat_in(uuid),
  private.chat_group_ids_array(),
  private.chat_readable_group_ids_array(),
  private.closed_activity_ids_array(),
  private.course_followed_pairs(),
  private.followed_course_ids_array(),
  private.followed_user_ids(),
  private.is_platform_admin(),
  private.leader_managed_group_ids(),
  private.leader_parent_group_ids(),
  private.learner_group_course_ids_array(),
  private.led_group_ids(),
  private.managed_course_ids(),
  private.managed_group_ids(),
  private.managed_group_ids_array(),
  private.member_learner_group_ids_array(),
  private.member_list_group_ids(),
  private.member_organisation_ids(),
  private.moderated_group_ids_array(),
  private.readable_ancestor_ids_array(),
  private.readable_group_ids_array(),
  private.received_announcement_ids_array(),
  private.received_intervention_ids_array(),
  private.separate_course_ids_array(),
  private.separate_peer_ids_array(),
  private.signup_group_ids(),
  private.signup_listed_group_ids(),
  private.staffed_course_ids(),
  private.staffed_course_ids_array(),
  private.staffed_learner_group_ids_array(),
  private.via_api(),
  private.visible_course_ids(),
  private.visible_course_ids_array(),
  private.visible_group_ids(),
  private.visible_mode_course_ids_array(),
  private.visible_user_ids()
to authenticated, service_role;

-- Called by the app's SQL for a user (withUser / readAs).
grant execute on function
  private.activity_allowed_groups(),
  private.chat_rooms(),
  private.course_median_progress(uuid[]),
  private.lock_signup_group(uuid),
  private.member_group_ids(),
  private.open_restricted_activities(uuid[], uuid[]),
  private.restricted_activity_stubs(uuid),
  private.signup_group_places(uuid[]),
  private.user_ids_by_email(text[])
to authenticated, service_role;

-- Called by the system (asService) only: membership sweeps, cohort re-syncs, learner-group refreshes.
grant execute on function
  private.course_progress(uuid[], timestamptz),
  private.learner_facts_snapshot(),
  private.learner_group_facts_changed(uuid, pg_snapshot),
  private.prune_learner_fact_changes(),
  private.sync_course_links(uuid[], uuid[]),
  private.sync_due_memberships()
to service_role;

grant usage on schema private to authenticated, service_role;
revoke usage on schema private from anon;
grant usage on type private.course_learner to authenticated, service_role;
revoke usage on type private.course_learner from anon;

-- Tables.
revoke all on all tables in schema public from anon, authenticated, service_role;
revoke all on all sequences in schema public from anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

grant select, insert, delete on public.activities to anon, authenticated;
grant select, insert, update, delete on public.activities to service_role;
grant update (idnumber, title, description, type, due_at, self_completion, max_score, "position") on public.activities to anon, authenticated;
grant select, insert, delete on public.activity_restrictions to anon, authenticated;
grant select, insert, update, delete on public.activity_restrictions to service_role;
grant select, insert, update, delete on public.announcement_deliveries to service_role;
grant select, insert, delete on public.announcement_views to anon, authenticated;
grant select, insert, update, delete on public.announcement_views to service_role;
grant select, insert, delete on public.announcements to anon, authenticated;
grant select, insert, update, delete on public.announcements to service_role;
grant update (title, body, pinned) on public.announcements to authenticated;
grant select, insert, delete on public.api_tokens to anon, authenticated;
grant select, insert, update, delete on public.api_tokens to service_role;
grant update (name, revoked_at) on public.api_tokens to anon, authenticated;
grant select, insert, update, delete on public.audit_events to anon, authenticated, service_role;
grant select, insert on public.channel_reads to anon, authenticated;
grant select, insert, update, delete on public.channel_reads to service_role;
grant update (last_read_seq, updated_at) on public.channel_reads to authenticated;
grant select, insert on public.channels to anon, authenticated;
grant select, insert, update, delete on public.channels to service_role;
grant update (name, archived_at) on public.channels to authenticated;
grant select, insert, delete on public.completions to anon, authenticated;
grant select, insert, update, delete on public.completions to service_role;
grant update (completed_at, score, scored_at, source, recorded_by) on public.completions to anon, authenticated;
grant select, insert, delete on public.course_group_links to anon, authenticated;
grant select, insert, update, delete on public.course_group_links to service_role;
grant update (course_role, target_group_id, removal_policy) on public.course_group_links to anon, authenticated;
grant select, insert, update, delete on public.course_link_members to anon, authenticated, service_role;
grant select, insert, delete on public.course_progress_settings to anon, authenticated;
grant select, insert, update, delete on public.course_progress_settings to service_role;
grant update (learner_groups_enabled, inactive_days, updated_by) on public.course_progress_settings to anon, authenticated;
grant select, insert, delete on public.courses to anon, authenticated;
grant select, insert, update, delete on public.courses to service_role;
grant update (code, name, description, group_mode) on public.courses to anon, authenticated;
grant select, insert, delete on public.enrolments to anon, authenticated;
grant select, insert, update, delete on public.enrolments to service_role;
grant update (role, status) on public.enrolments to anon;
grant update (role, status, source) on public.enrolments to authenticated;
grant select, insert, update, delete on public.group_closure to anon, authenticated, service_role;
grant select, insert, delete on public.group_invites to anon, authenticated;
grant select, insert, update, delete on public.group_invites to service_role;
grant update (revoked_at) on public.group_invites to authenticated;
grant select, insert, delete on public.group_join_requests to anon, authenticated;
grant select, insert, update, delete on public.group_join_requests to service_role;
grant update (status, decided_by, decided_at) on public.group_join_requests to authenticated;
grant select, insert, update, delete on public.group_members to anon, authenticated, service_role;
grant select, insert, delete on public.group_storage to anon, authenticated;
grant select, insert, update, delete on public.group_storage to service_role;
grant update (quota_bytes) on public.group_storage to authenticated;
grant select, insert, delete on public.grouping_groups to anon, authenticated;
grant select, insert, update, delete on public.grouping_groups to service_role;
grant select, insert, delete on public.groupings to anon, authenticated;
grant select, insert, update, delete on public.groupings to service_role;
grant update (name, idnumber, description, exclusive, signup_open, signup_size_limit, signup_opens_at, signup_closes_at, auto_leader) on public.groupings to anon, authenticated;
grant select, insert, delete on public.groups to anon, authenticated;
grant select, insert, update, delete on public.groups to service_role;
grant update (parent_id, kind, name, idnumber, description, visibility, membership_mode, size_limit, messaging_enabled, leaders_manage_members, leaders_create_subgroups, leaders_post_announcements, leaders_see_progress, leaders_moderate) on public.groups to anon, authenticated;
grant select, insert, delete on public.ingested_statements to anon, authenticated;
grant select, insert, update, delete on public.ingested_statements to service_role;
grant select, insert, delete on public.intervention_recipients to anon, authenticated;
grant select, insert, update, delete on public.intervention_recipients to service_role;
grant select, insert, delete on public.interventions to anon, authenticated;
grant select, insert, update, delete on public.interventions to service_role;
grant select, insert, delete on public.learner_events to anon, authenticated;
grant select, insert, update, delete on public.learner_events to service_role;
grant select, insert, delete on public.learner_group_criteria to anon, authenticated;
grant select, insert, update, delete on public.learner_group_criteria to service_role;
grant update (criteria, refresh_mode, cadence_minutes, depends_on) on public.learner_group_criteria to anon, authenticated;
grant select, insert, delete on public.learner_group_refreshes to anon, authenticated;
grant select, insert, update, delete on public.learner_group_refreshes to service_role;
grant select, insert, update, delete on public.membership_sweeps to service_role;
grant select, insert on public.mentions to anon, authenticated;
grant select, insert, update, delete on public.mentions to service_role;
grant select, insert on public.message_reactions to anon;
grant select, insert, delete on public.message_reactions to authenticated;
grant select, insert, update, delete on public.message_reactions to service_role;
grant select, insert on public.messages to anon, authenticated;
grant select, insert, update, delete on public.messages to service_role;
grant update (body, deleted_at) on public.messages to authenticated;
grant select, insert, delete on public.organisation_members to anon, authenticated;
grant select, insert, update, delete on public.organisation_members to service_role;
grant update (role) on public.organisation_members to anon, authenticated;
grant select, insert, delete on public.organisations to anon, authenticated;
grant select, insert, update, delete on public.organisations to service_role;
grant update (name, slug, description) on public.organisations to anon, authenticated;
grant select, insert, delete on public.resources to anon, authenticated;
grant select, insert, update, delete on public.resources to service_role;
grant update (title, description, folder, tags) on public.resources to authenticated;
grant select, insert, update, delete on public.sessions to service_role;
grant select, insert, update, delete on public.sign_in_throttle to service_role;
grant select, insert, update, delete on public.user_passwords to service_role;
grant select, insert, update, delete on public.users to anon, authenticated, service_role;

-- The system's own tables in private (written by the socket adapter and the blob sweeper).
revoke all on all tables in schema private from public, anon, authenticated, service_role;
revoke all on all sequences in schema private from public, anon, authenticated, service_role;
grant select, insert, delete on private.socket_io_attachments to service_role;
grant usage on sequence private.socket_io_attachments_id_seq to service_role;
grant select, insert, delete on private.blob_deletions to service_role;
