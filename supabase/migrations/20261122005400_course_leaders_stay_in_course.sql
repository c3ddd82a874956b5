-- A leader of a course group follows its learners in that course only.
--
-- Leaders follow the learners of the groups they lead (where the group lets its leaders see
-- progress) into the courses they take: right for a cohort's or a mentor group's leader, wrong
-- for a course group's. A course group's leader is often a learner (an automatic team leader,
-- picked at random by self sign-up), who then saw their teammates' enrolments, completions and
-- activity in every other course they share. Now leadership of a platform or organisation group
-- follows learners everywhere, as before; leadership of a course group (or of a group below it)
-- follows them in the group's course alone.

-- Learners followed everywhere: members below groups led outside any course.
create or replace function private.followed_user_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select distinct m.user_id
    from public.group_members l
    join public.groups lg on lg.id = l.group_id and lg.leaders_see_progress and lg.course_id is null
    join public.group_closure c on c.ancestor_id = l.group_id
    join public.group_members m on m.group_id = c.descendant_id
    where l.user_id = uid and l.role = 'leader' and l.valid_from <= now() and l.valid_until > now()
      and m.role = 'member' and m.valid_from <= now() and m.valid_until > now() and m.user_id <> uid
  );
end
$$;

-- Learners followed in one course: members below course groups led, paired with that course.
-- Policies read it as `(select private.course_followed_pairs() as p)` (once per statement).
create type private.course_learner as (course_id uuid, user_id uuid);
create or replace function private.course_followed_pairs()
returns setof private.course_learner
language sql stable security definer set search_path = ''
as $$
  select distinct lg.course_id, m.user_id
  from public.group_members l
  join public.groups lg on lg.id = l.group_id and lg.leaders_see_progress and lg.course_id is not null
  join public.group_closure c on c.ancestor_id = l.group_id
  join public.group_members m on m.group_id = c.descendant_id
  where l.user_id = (select auth.uid()) and l.role = 'leader'
    and l.valid_from <= now() and l.valid_until > now()
    and m.role = 'member' and m.valid_from <= now() and m.valid_until > now()
    and m.user_id <> (select auth.uid())
$$;

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

-- Restricted activities open to each learner, for those who may see them (as before, with
-- course-group leaders limited to their course).
create or replace function private.open_restricted_activities(course_ids uuid[], user_ids uuid[])
returns table (activity_id uuid, user_id uuid)
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  -- The system: service_role, or a session that bypasses RLS anyway (the owner, benchmarks).
  everyone boolean := coalesce(current_setting('role', true), '') = 'service_role'
    or (coalesce(current_setting('role', true), 'none') = 'none'
        and exists (select 1 from pg_catalog.pg_roles where rolname = session_user and (rolsuper or rolbypassrls)))
    or private.is_platform_admin();
  staffed uuid[] := case when everyone then '{}' else private.staffed_course_ids_array() end;
begin
  return query
    with followed as materialized (
      select f.id from unnest(case when everyone then '{}'::uuid[] else private.followed_user_ids_array() end) as f(id)
    ),
    in_course as materialized (
      select p.course_id, p.user_id from private.course_followed_pairs() p where not everyone
    ),
    wanted as materialized (select distinct w.id from unnest(user_ids) as w(id))
    select distinct r.activity_id, m.user_id
    from private.activity_allowed_groups() r
    join public.activities a on a.id = r.activity_id and a.course_id = any (course_ids)
    join public.group_closure c on c.ancestor_id = r.group_id
    join public.group_members m on m.group_id = c.descendant_id
    join wanted on wanted.id = m.user_id
    where m.valid_from <= now() and m.valid_until > now()
      and (everyone or m.user_id = uid or a.course_id = any (staffed)
           or m.user_id in (select followed.id from followed)
           or (a.course_id, m.user_id) in (select i.course_id, i.user_id from in_course i));
end
$$;

revoke all on function private.course_followed_pairs() from public;
grant execute on function private.course_followed_pairs() to anon, authenticated, service_role;
grant usage on type private.course_learner to anon, authenticated, service_role;

drop policy "leaders see the enrolments of the learners they follow" on public.enrolments;
create policy "leaders see the enrolments of the learners they follow"
  on public.enrolments for select to authenticated
  using (
    user_id in (select private.followed_user_ids())
    or (course_id, user_id) in (
      select (f.p).course_id, (f.p).user_id from (select private.course_followed_pairs() as p) f)
  );

drop policy "learners see their own completions, staff their course's, leaders their learners'" on public.completions;
create policy "learners see their own completions, staff their course's, leaders their learners'"
  on public.completions for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or user_id in (select private.followed_user_ids())
    or (course_id, user_id) in (
      select (f.p).course_id, (f.p).user_id from (select private.course_followed_pairs() as p) f)
  );

drop policy "people see their own events, staff their course's, leaders their learners'" on public.learner_events;
create policy "people see their own events, staff their course's, leaders their learners'"
  on public.learner_events for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or user_id in (select private.followed_user_ids())
    or (course_id, user_id) in (
      select (f.p).course_id, (f.p).user_id from (select private.course_followed_pairs() as p) f)
  );
