-- The private schema and the permission helpers every policy calls. Each helper answers one
-- question about the caller (auth.uid()) as a set, e.g. "the groups I may see", so a policy reads
-- `id = any ((select private.visible_group_ids_array())::uuid[])` and Postgres evaluates it once
-- per statement. Two rules run through all of them: membership flows up (a member of a sub-group
-- is an effective member of every ancestor) and authority flows down (a leader of a group leads
-- every descendant). Helpers are security definer with an empty search_path, so they read the
-- tables whatever the caller's grants, and answer only for the caller.
--
-- Every privilege is written out here and in each area's file, none left to default privileges.
-- anon executes no private function and cannot use the schema: every policy is `to
-- authenticated`, so anon never evaluates one. A helper is granted to authenticated when a policy
-- or the app's own SQL calls it, to service_role too (the app's SQL fragments for UI flags also
-- run in system transactions, where they find no user); helpers that only other definer functions
-- and triggers call run as their owner and are granted to no one. Every definer function an API
-- role may run is on the reviewed list, tests/integration/rls/definer-review.ts, with its reason.
--
-- Schema files are read in name order (NN_). Function bodies may name tables of later files,
-- hence `check_function_bodies = off` at the top of each file; policies and triggers come after
-- everything they call.

set check_function_bodies = off;

create schema if not exists private;
revoke all on schema private from public, anon, authenticated, service_role;
grant usage on schema private to authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

-- Natural order for names people read in lists ("Tutorial 2" before "Tutorial 10", case and
-- accents second): ICU's root locale with numeric collation. Lists order by
-- `name collate public.natural`.
create collation if not exists public.natural (provider = icu, locale = 'und-u-kn-true');

-- Learners followed in one course: members below course groups led, paired with that course.
-- Policies read it as `(select private.course_followed_pairs() as p)` (once per statement).
create type private.course_learner as (course_id uuid, user_id uuid);
revoke all on type private.course_learner from public, anon, authenticated, service_role;
grant usage on type private.course_learner to authenticated, service_role;

-- Functions ---------------------------------------------------------------------------------------

-- The same sets as rows, for policies that join rather than test membership --------------------
create or replace function private.admin_organisation_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.admin_organisation_ids_array()) $$;
revoke all on function private.admin_organisation_ids() from public, anon, authenticated, service_role;
grant execute on function private.admin_organisation_ids() to authenticated, service_role;

create or replace function private.admin_organisation_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
begin
  return array(
    select organisation_id from public.organisation_members
    where user_id = auth.uid() and role = 'admin'
  );
end
$$;
revoke all on function private.admin_organisation_ids_array() from public, anon, authenticated, service_role;

create or replace function private.course_followed_pairs()
returns setof private.course_learner
language sql stable security definer set search_path = ''
as $$
  select distinct f.course_id, f.learner_id from private.followings f
  where f.leader_id = (select auth.uid()) and f.course_id is not null
$$;
revoke all on function private.course_followed_pairs() from public, anon, authenticated, service_role;
grant execute on function private.course_followed_pairs() to authenticated, service_role;

-- Courses the current user follows learners into: where those followed everywhere learn, and the
-- courses of the course groups they lead.
create or replace function private.followed_course_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  followed uuid[] := private.followed_user_ids_array();
begin
  return array(
    select e.course_id from public.enrolments e
    where e.user_id = any (followed) and e.role = 'learner'
    union
    select p.course_id from private.course_followed_pairs() p
  );
end
$$;
revoke all on function private.followed_course_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.followed_course_ids_array() to authenticated, service_role;

-- Leaders' progress policies, computed faster (bench leader-dashboard: 0.18 before).
--
-- `user_id = any (<array of the learners a leader follows>)` tests each row against the whole
-- array: with 2,000 learners that is 2,000 comparisons per completion, event and enrolment row
-- read. As `user_id in (select private.followed_user_ids())` the set is hashed once per
-- statement. Same rules, same results.
create or replace function private.followed_user_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.followed_user_ids_array()) $$;
revoke all on function private.followed_user_ids() from public, anon, authenticated, service_role;
grant execute on function private.followed_user_ids() to authenticated, service_role;

-- RLS performance: the same rules, computed faster.
--
-- The policy helpers were SQL functions that Postgres cannot inline (security definer, a fixed
-- search_path), so it planned their bodies, and the bodies of every helper they call, on each
-- statement: visible_user_ids() alone cost ~25 ms for an instructor of a 5,000-learner course.
-- Here each set is computed by a plpgsql function returning an array, whose queries are planned
-- once per connection; the set-returning helpers keep their names and results (unnest of the
-- array; visible_user_ids may now list an id twice), so every policy and query that calls them
-- is unchanged. The enrolments select policy takes the arrays directly, `= any ((select …))`:
-- one InitPlan per statement instead of a hashed SubPlan over a set-returning call.
-- The people and places the current user belongs to -------------------------------------------
create or replace function private.is_platform_admin() returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  return exists (
    select 1 from public.users
    where id = auth.uid() and platform_role = 'admin' and disabled_at is null
  );
end
$$;
revoke all on function private.is_platform_admin() from public, anon, authenticated, service_role;
grant execute on function private.is_platform_admin() to authenticated, service_role;

create or replace function private.leader_managed_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  led uuid[] := private.led_group_ids_array();
begin
  return array(
    select g.id from public.groups g
    where g.deleted_at is null and g.leaders_manage_members and g.membership_mode not in ('sync', 'rule') and g.id = any (led)
  );
end
$$;
revoke all on function private.leader_managed_group_ids_array() from public, anon, authenticated, service_role;

-- Courses where learner groups are switched on, among those the caller staffs (every one for a
-- platform admin): the policies that read it require that anyway.
create or replace function private.learner_group_course_ids_array() returns uuid[]
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
revoke all on function private.learner_group_course_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.learner_group_course_ids_array() to authenticated, service_role;

create or replace function private.led_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select distinct c.descendant_id
    from public.current_memberships m join public.group_closure c on c.ancestor_id = m.group_id
    join public.groups d on d.id = c.descendant_id and d.deleted_at is null
    where m.user_id = uid and m.role = 'leader'
  );
end
$$;
revoke all on function private.led_group_ids_array() from public, anon, authenticated, service_role;

create or replace function private.managed_course_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.managed_course_ids_array()) $$;
revoke all on function private.managed_course_ids() from public, anon, authenticated, service_role;
grant execute on function private.managed_course_ids() to authenticated, service_role;

create or replace function private.managed_course_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  admin_organisations uuid[] := private.admin_organisation_ids_array();
begin
  return array(
    select course_id from public.enrolments
    where user_id = uid and status = 'active' and role = 'instructor'
    union
    select c.id from public.courses c where c.organisation_id = any (admin_organisations)
  );
end
$$;
revoke all on function private.managed_course_ids_array() from public, anon, authenticated, service_role;

create or replace function private.managed_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.managed_group_ids_array()) $$;
revoke all on function private.managed_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.managed_group_ids() to authenticated, service_role;

create or replace function private.managed_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  admin_organisations uuid[] := private.admin_organisation_ids_array();
  managed_courses uuid[] := private.managed_course_ids_array();
begin
  return array(
    select g.id from public.groups g where g.deleted_at is null and g.organisation_id = any (admin_organisations)
    union
    select g.id from public.groups g where g.deleted_at is null and g.course_id = any (managed_courses)
  );
end
$$;
revoke all on function private.managed_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.managed_group_ids_array() to authenticated, service_role;

-- Groups ------------------------------------------------------------------------------------------
create or replace function private.member_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select distinct c.ancestor_id
    from public.current_memberships m join public.group_closure c on c.descendant_id = m.group_id
    where m.user_id = uid
  );
end
$$;
revoke all on function private.member_group_ids_array() from public, anon, authenticated, service_role;

create or replace function private.member_list_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.member_list_group_ids_array()) $$;
revoke all on function private.member_list_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.member_list_group_ids() to authenticated, service_role;

create or replace function private.member_list_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  staff uuid[] := private.staff_group_ids_array();
  visible uuid[] := private.visible_group_ids_array();
  visible_mode uuid[] := private.visible_mode_course_ids_array();
begin
  return array(
    select unnest(staff)
    union
    select g.id from public.groups g where g.deleted_at is null and g.visibility = 'scope' and g.id = any (visible)
    union
    select m.group_id from public.current_memberships m join public.groups g on g.id = m.group_id
    where m.user_id = uid and g.visibility = 'members'
    union
    -- Visible groups mode: the course's participants see who is in each of its groups, unless
    -- the group narrows that (own: each member sees only themselves; hidden: staff only).
    select g.id from public.groups g
    where g.deleted_at is null and g.course_id = any (visible_mode) and g.visibility in ('scope', 'members')
  );
end
$$;
revoke all on function private.member_list_group_ids_array() from public, anon, authenticated, service_role;

create or replace function private.member_organisation_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select organisation_id from public.organisation_members where user_id = uid
    union
    select c.organisation_id from public.enrolments e join public.courses c on c.id = e.course_id
    where e.user_id = uid and e.status = 'active'
  );
end
$$;
revoke all on function private.member_organisation_ids_array() from public, anon, authenticated, service_role;

-- Leaders moderate (delete any message, add and archive channels) where the group lets its
-- leaders moderate; admins of the scope always do.
create or replace function private.moderated_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  led uuid[] := private.led_group_ids_array();
  managed uuid[] := private.managed_group_ids_array();
begin
  return array(
    select unnest(managed)
    union
    select g.id from public.groups g where g.deleted_at is null and g.leaders_moderate and g.id = any (led)
  );
end
$$;
revoke all on function private.moderated_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.moderated_group_ids_array() to authenticated, service_role;

create or replace function private.signup_listed_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.signup_group_ids_array(false)) $$;
revoke all on function private.signup_listed_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.signup_listed_group_ids() to authenticated, service_role;

create or replace function private.staff_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  managed uuid[] := private.managed_group_ids_array();
  staffed_courses uuid[] := private.staffed_course_ids_array();
  led uuid[] := private.led_group_ids_array();
begin
  return array(
    select unnest(managed)
    union
    select g.id from public.groups g where g.deleted_at is null and g.course_id = any (staffed_courses)
    union
    select unnest(led)
  );
end
$$;
revoke all on function private.staff_group_ids_array() from public, anon, authenticated, service_role;

create or replace function private.staffed_course_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.staffed_course_ids_array()) $$;
revoke all on function private.staffed_course_ids() from public, anon, authenticated, service_role;
grant execute on function private.staffed_course_ids() to authenticated, service_role;

create or replace function private.staffed_course_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  managed uuid[] := private.managed_course_ids_array();
begin
  return array(
    select course_id from public.enrolments
    where user_id = uid and status = 'active' and role in ('instructor', 'assistant')
    union
    select unnest(managed)
  );
end
$$;
revoke all on function private.staffed_course_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.staffed_course_ids_array() to authenticated, service_role;

create or replace function private.visible_course_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.visible_course_ids_array()) $$;
revoke all on function private.visible_course_ids() from public, anon, authenticated, service_role;
grant execute on function private.visible_course_ids() to authenticated, service_role;

create or replace function private.visible_course_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  admin_organisations uuid[] := private.admin_organisation_ids_array();
begin
  return array(
    select course_id from public.enrolments where user_id = uid and status = 'active'
    union
    select c.id from public.courses c where c.organisation_id = any (admin_organisations)
  );
end
$$;
revoke all on function private.visible_course_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.visible_course_ids_array() to authenticated, service_role;

create or replace function private.visible_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.visible_group_ids_array()) $$;
revoke all on function private.visible_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.visible_group_ids() to authenticated, service_role;

create or replace function private.visible_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  staff uuid[] := private.staff_group_ids_array();
  member_of uuid[] := private.member_group_ids_array();
  member_organisations uuid[] := private.member_organisation_ids_array();
  visible_courses uuid[] := private.visible_course_ids_array();
  separate_courses uuid[] := private.separate_course_ids_array();
  visible_mode uuid[] := private.visible_mode_course_ids_array();
begin
  return array(
    select unnest(staff)
    union
    select g.id from public.groups g where g.deleted_at is null and g.visibility <> 'hidden' and g.id = any (member_of)
    union
    -- A `scope` group is seen by everyone in its scope, except that a learner of a course in
    -- separate groups mode sees only their own course groups (above).
    select g.id from public.groups g
    where g.deleted_at is null and g.visibility = 'scope' and (
      g.scope = 'platform'
      or (g.scope = 'organisation' and g.organisation_id = any (member_organisations))
      or (g.scope = 'course' and g.course_id = any (visible_courses) and g.course_id <> all (separate_courses))
    )
    union
    -- Visible groups mode: every non-hidden group of the course.
    select g.id from public.groups g where g.deleted_at is null and g.course_id = any (visible_mode) and g.visibility <> 'hidden'
    union
    -- An open group is discoverable by everyone who may join it (its scope's people), unless
    -- hidden: a hidden group is for its staff and leaders alone.
    select g.id from public.groups g
    where g.deleted_at is null and g.membership_mode = 'open' and g.visibility <> 'hidden' and (
      g.scope = 'platform'
      or (g.scope = 'organisation' and g.organisation_id = any (member_organisations))
      or (g.scope = 'course' and g.course_id = any (visible_courses))
    )
  );
end
$$;
revoke all on function private.visible_group_ids_array() from public, anon, authenticated, service_role;
