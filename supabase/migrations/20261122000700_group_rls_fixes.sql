-- Group RLS fixes, found by the RLS matrix (tests/integration/rls/groups.test.ts and friends).
--
-- A with-check clause is evaluated with the statement's snapshot, so a helper such as
-- managed_group_ids() still answers for the row as it was: "id in managed_group_ids()" holds for
-- a group whose organisation_id the same update is changing. Together with the hierarchy trigger,
-- which lets scope columns change when the parent changes too, that let
--   * an organisation admin move a group (and its members) into another organisation, or to the
--     platform, and
--   * the admin of another organisation plant their group, with its members, under ours, making
--     them effective members of our cohort and enrolling them through its course links;
-- and let a course manager re-point a course link at any group (hidden, or another
-- organisation's), enrolling its members and reading them from the course. The foundation's
-- answer is the same here: column grants say what may change, policies say which rows.

-- Groups: scope, organisation and course are fixed at creation; moves change parent_id only, and
-- the hierarchy trigger keeps a move inside its scope.
revoke update on public.groups from anon, authenticated;
grant update (
  parent_id, kind, name, idnumber, description, visibility, membership_mode, size_limit,
  messaging_enabled, leaders_manage_members, leaders_create_subgroups, leaders_post_announcements,
  leaders_see_progress, leaders_moderate
) on public.groups to anon, authenticated;

drop policy "admins edit the groups of their scope" on public.groups;
create policy "admins edit the groups of their scope"
  on public.groups for update to authenticated
  using ((select private.is_platform_admin()) or id in (select private.managed_group_ids()))
  with check (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
    or course_id in (select private.managed_course_ids())
  );

-- Synced groups are locked for everyone outside the JSON API and the system, platform admins
-- included (decisions.md, Membership modes), and a membership cannot be moved into one by update.
drop policy "admins and leaders add members, and people join open groups" on public.group_members;
create policy "admins and leaders add members, and people join open groups"
  on public.group_members for insert to authenticated
  with check (
    (
      ((select private.is_platform_admin()) or group_id in (select private.managed_group_ids()))
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
    or (
      user_id = (select auth.uid()) and role = 'member' and source = 'self'
      and group_id in (select id from public.groups where membership_mode = 'open')
      and group_id in (select private.visible_group_ids())
    )
  );

drop policy "admins and leaders change memberships" on public.group_members;
create policy "admins and leaders change memberships"
  on public.group_members for update to authenticated
  using (
    (
      ((select private.is_platform_admin()) or group_id in (select private.managed_group_ids()))
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
  )
  with check (
    (
      ((select private.is_platform_admin()) or group_id in (select private.managed_group_ids()))
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
  );

drop policy "admins and leaders remove members, and people leave open groups" on public.group_members;
create policy "admins and leaders remove members, and people leave open groups"
  on public.group_members for delete to authenticated
  using (
    (
      ((select private.is_platform_admin()) or group_id in (select private.managed_group_ids()))
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
    or (user_id = (select auth.uid()) and group_id in (select id from public.groups where membership_mode = 'open'))
  );

-- Course links. A link shows its group's effective members to the course's staff (they are
-- enrolled), so the group must be one whose member list the course manager may already read,
-- of the course's own organisation or the platform; the course group it places people in must
-- be one of the course's. Course and group are fixed: relinking is unlink and link, which the
-- sync triggers follow.
drop policy "course managers link groups they can see" on public.course_group_links;
create policy "course managers link groups they can see"
  on public.course_group_links for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or (
      course_id in (select private.managed_course_ids())
      and group_id in (select private.member_list_group_ids())
      and group_id in (
        select g.id from public.groups g join public.courses c on c.id = course_group_links.course_id
        where g.scope = 'platform' or g.organisation_id = c.organisation_id
      )
      and (
        target_group_id is null
        or target_group_id in (
          select g.id from public.groups g
          where g.course_id = course_group_links.course_id and g.id in (select private.managed_group_ids())
        )
      )
    )
  );

revoke update on public.course_group_links from anon, authenticated;
grant update (course_role, removal_policy, target_group_id) on public.course_group_links to anon, authenticated;

drop policy "course managers change cohort links" on public.course_group_links;
create policy "course managers change cohort links"
  on public.course_group_links for update to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  with check (
    (select private.is_platform_admin())
    or (
      course_id in (select private.managed_course_ids())
      and (
        target_group_id is null
        or target_group_id in (
          select g.id from public.groups g
          where g.course_id = course_group_links.course_id and g.id in (select private.managed_group_ids())
        )
      )
    )
  );
