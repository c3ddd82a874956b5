-- Issue 13, groups as Moodle and Canvas users expect them.
-- Group mode decides what participants see of a course's groups, each group's visibility only
-- narrowing it: in visible mode every non-hidden group with its members (course groups are made
-- with visibility `members`, so before this a learner saw no members and the group tree left the
-- groups out); in separate mode only their own groups (a `scope` course group was seen by all);
-- and an open group is discoverable by everyone who may join it (joining one answered 404).
-- Course links: editing a link's target course group or role now changes what the link already
-- did (course_links_after_update); public.may_link_to_course is the one rule for what a course
-- manager may link (the insert policy and the link form), and a link's target course group is
-- always one of its own course's, platform admins' links included; auto-create draws on any cohort the
-- caller can see through private.course_participants_in_group.
-- Generated from supabase/schemas/ (`npm run db:diff`); migra leaves out the function privileges,
-- written at the end by hand.

drop policy "course managers change cohort links" on "public"."course_group_links";

drop policy "course managers link groups they can see" on "public"."course_group_links";

drop policy "people see the groups their scope, membership or leadership all" on "public"."groups";

set check_function_bodies = off;

CREATE OR REPLACE FUNCTION private.course_links_after_update()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  previous_via text := current_setting('tessera.via', true);
begin
  perform set_config('tessera.via', 'link', true);
  if old.target_group_id is distinct from new.target_group_id then
    if old.target_group_id is not null then
      delete from public.group_members gm
      using public.course_link_members lm
      where lm.link_id = new.id and gm.group_id = old.target_group_id and gm.user_id = lm.user_id
        and gm.source = 'sync'
        and not exists (
          select 1 from public.course_link_members o join public.course_group_links other on other.id = o.link_id
          where o.user_id = gm.user_id and other.target_group_id = old.target_group_id and other.id <> new.id
        );
    end if;
    if new.target_group_id is not null then
      insert into public.group_members (group_id, user_id, role, source)
      select new.target_group_id, lm.user_id, 'member', 'sync'
      from public.course_link_members lm where lm.link_id = new.id
      on conflict (group_id, user_id) do nothing;
    end if;
  end if;
  if old.course_role is distinct from new.course_role then
    update public.enrolments e set role = new.course_role
    from public.course_link_members lm
    where lm.link_id = new.id and e.course_id = new.course_id and e.user_id = lm.user_id
      and e.source = 'link' and e.role <> new.course_role
      and not exists (
        select 1 from public.course_link_members o
        where o.course_id = new.course_id and o.user_id = lm.user_id and o.link_id <> new.id
      );
  end if;
  perform set_config('tessera.via', coalesce(previous_via, ''), true);
  return null;
end
$function$
;

CREATE OR REPLACE FUNCTION private.course_participants_in_group(target_course uuid, cohort uuid)
 RETURNS SETOF uuid
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  select e.user_id from public.enrolments e
  where e.course_id = target_course
    and ((select private.is_platform_admin()) or target_course in (select private.managed_course_ids()))
    and (
      exists (
        select 1 from public.course_group_links l where l.course_id = target_course and l.group_id = cohort
      )
      or exists (
        select 1 from public.groups g join public.courses c on c.id = target_course
        where g.id = cohort and (g.scope = 'platform' or g.organisation_id = c.organisation_id)
          and ((select private.is_platform_admin()) or g.id in (select private.visible_group_ids()))
      )
    )
    and exists (
      select 1 from public.group_closure gc
      join public.current_memberships m on m.group_id = gc.descendant_id
      where gc.ancestor_id = cohort and m.user_id = e.user_id
    )
$function$
;

CREATE OR REPLACE FUNCTION public.may_link_to_course(target_course uuid, ids uuid[])
 RETURNS uuid[]
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if not private.is_platform_admin()
     and target_course not in (select private.managed_course_ids()) then
    return '{}';
  end if;
  return array(
    select g.id from public.groups g join public.courses c on c.id = target_course
    where g.id = any (ids)
      and (g.scope = 'platform' or g.organisation_id = c.organisation_id)
      and g.course_id is distinct from target_course
      and (private.is_platform_admin() or g.id in (select private.member_list_group_ids()))
  );
end
$function$
;

CREATE OR REPLACE FUNCTION private.member_list_group_ids_array()
 RETURNS uuid[]
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  uid uuid := auth.uid();
  staff uuid[] := private.staff_group_ids_array();
  visible uuid[] := private.visible_group_ids_array();
  visible_mode uuid[] := private.visible_mode_course_ids_array();
begin
  return array(
    select unnest(staff)
    union
    select g.id from public.groups g where g.visibility = 'scope' and g.id = any (visible)
    union
    select m.group_id from public.current_memberships m join public.groups g on g.id = m.group_id
    where m.user_id = uid and g.visibility = 'members'
    union
    -- Visible groups mode: the course's participants see who is in each of its groups, unless
    -- the group narrows that (own: each member sees only themselves; hidden: staff only).
    select g.id from public.groups g
    where g.course_id = any (visible_mode) and g.visibility in ('scope', 'members')
  );
end
$function$
;

CREATE OR REPLACE FUNCTION private.visible_group_ids_array()
 RETURNS uuid[]
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
    select g.id from public.groups g where g.visibility <> 'hidden' and g.id = any (member_of)
    union
    -- A `scope` group is seen by everyone in its scope, except that a learner of a course in
    -- separate groups mode sees only their own course groups (above).
    select g.id from public.groups g
    where g.visibility = 'scope' and (
      g.scope = 'platform'
      or (g.scope = 'organisation' and g.organisation_id = any (member_organisations))
      or (g.scope = 'course' and g.course_id = any (visible_courses) and g.course_id <> all (separate_courses))
    )
    union
    -- Visible groups mode: every non-hidden group of the course.
    select g.id from public.groups g where g.course_id = any (visible_mode) and g.visibility <> 'hidden'
    union
    -- An open group is discoverable by everyone who may join it (its scope's people), unless
    -- hidden: a hidden group is for its staff and leaders alone.
    select g.id from public.groups g
    where g.membership_mode = 'open' and g.visibility <> 'hidden' and (
      g.scope = 'platform'
      or (g.scope = 'organisation' and g.organisation_id = any (member_organisations))
      or (g.scope = 'course' and g.course_id = any (visible_courses))
    )
  );
end
$function$
;


  create policy "course managers change cohort links"
  on "public"."course_group_links"
  as permissive
  for update
  to authenticated
using ((( SELECT private.is_platform_admin() AS is_platform_admin) OR (course_id IN ( SELECT private.managed_course_ids() AS managed_course_ids))))
with check (((( SELECT private.is_platform_admin() AS is_platform_admin) OR (course_id IN ( SELECT private.managed_course_ids() AS managed_course_ids))) AND ((target_group_id IS NULL) OR (target_group_id IN ( SELECT g.id
   FROM groups g
  WHERE ((g.course_id = course_group_links.course_id) AND (( SELECT private.is_platform_admin() AS is_platform_admin) OR (g.id IN ( SELECT private.managed_group_ids() AS managed_group_ids)))))))));



  create policy "course managers link groups they can see"
  on "public"."course_group_links"
  as permissive
  for insert
  to authenticated
with check (((( SELECT private.is_platform_admin() AS is_platform_admin) OR (group_id = ANY (may_link_to_course(course_id, ARRAY[group_id])))) AND ((target_group_id IS NULL) OR (target_group_id IN ( SELECT g.id
   FROM groups g
  WHERE ((g.course_id = course_group_links.course_id) AND (( SELECT private.is_platform_admin() AS is_platform_admin) OR (g.id IN ( SELECT private.managed_group_ids() AS managed_group_ids)))))))));



  create policy "people see the groups their scope, membership or leadership all"
  on "public"."groups"
  as permissive
  for select
  to authenticated
using ((( SELECT private.is_platform_admin() AS is_platform_admin) OR (organisation_id IN ( SELECT private.admin_organisation_ids() AS admin_organisation_ids)) OR (course_id IN ( SELECT private.staffed_course_ids() AS staffed_course_ids)) OR (id IN ( SELECT private.visible_group_ids() AS visible_group_ids)) OR (id IN ( SELECT private.signup_listed_group_ids() AS signup_listed_group_ids))));


CREATE TRIGGER course_group_links_after_update AFTER UPDATE OF target_group_id, course_role ON public.course_group_links FOR EACH ROW WHEN (((old.target_group_id IS DISTINCT FROM new.target_group_id) OR (old.course_role IS DISTINCT FROM new.course_role))) EXECUTE FUNCTION private.course_links_after_update();

revoke all on function private.course_links_after_update() from public, anon, authenticated, service_role;
revoke all on function private.course_participants_in_group(target_course uuid, cohort uuid) from public, anon, authenticated, service_role;
grant execute on function private.course_participants_in_group(target_course uuid, cohort uuid) to authenticated, service_role;
revoke all on function public.may_link_to_course(target_course uuid, ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_link_to_course(target_course uuid, ids uuid[]) to authenticated, service_role;
