-- One rule, one place (issue 11 §3).
--
-- The app restated the database's rules in TypeScript: the membership validity test 27 times,
-- `is_platform_admin() or …` 28 times, who may post three times, and who follows a learner's
-- progress once more, which drifted (a course group's leader still followed learners into every
-- course). Here each rule gets one definition the app reads instead:
--
-- - public.current_memberships and public.effective_members carry the validity and closure
--   rules (security invoker: the caller's RLS applies, as on group_members itself);
-- - public.may_* answer one permission each, for the current user (auth.uid()), over a list of
--   ids; public.group_capabilities / course_capabilities / organisation_capabilities gather them
--   for a page's flags;
-- - private.post_refusal says whether (and why not) the current user may post in a channel: the
--   send trigger, the insert policy and the channel list's "can post" all ask it;
-- - private.followings is who follows whom, and where; the policy helpers and the app's
--   progress notifications (private.progress_watcher_ids) both read it.

-- Memberships ------------------------------------------------------------------------------------

-- Memberships valid now: the one spelling of "valid_from <= now() < valid_until".
create or replace view public.current_memberships with (security_invoker = true) as
  select m.group_id, m.user_id, m.role, m.source, m.valid_from, m.valid_until, m.added_by, m.added_at
  from public.group_members m
  where m.valid_from <= now() and m.valid_until > now();

-- Memberships that have not ended: valid now or starting later. What a place in a group holds
-- (size limits, exclusive groupings and sign-ups count them).
create or replace view public.unexpired_memberships with (security_invoker = true) as
  select m.group_id, m.user_id, m.role, m.source, m.valid_from, m.valid_until, m.added_by, m.added_at
  from public.group_members m
  where m.valid_until > now();

-- Effective membership (DESIGN.md §1.2): a member of a sub-group is an effective member of every
-- ancestor. One row per current membership and ancestor it reaches: group_id is the ancestor,
-- member_group_id the group the person is directly in (with that membership's role, source and
-- dates), depth how far below group_id that is (0: a direct member).
create or replace view public.effective_members with (security_invoker = true) as
  select c.ancestor_id as group_id, m.user_id, m.role, m.group_id as member_group_id, c.depth,
         m.source, m.valid_from, m.valid_until, m.added_by, m.added_at
  from public.group_closure c
  join public.current_memberships m on m.group_id = c.descendant_id;

revoke all on public.current_memberships, public.unexpired_memberships, public.effective_members
  from public, anon, authenticated, service_role;
grant select on public.current_memberships, public.unexpired_memberships, public.effective_members
  to authenticated, service_role;

-- Who follows whom ---------------------------------------------------------------------------------

-- A leader follows the learners below the groups they lead where the group lets its leaders see
-- progress: everywhere when the led group is a platform or organisation group (course_id null),
-- in the group's course alone when it is a course group (20261122005400).
create or replace view private.followings with (security_invoker = true) as
  select l.user_id as leader_id, lg.course_id, m.user_id as learner_id
  from public.current_memberships l
  join public.groups lg on lg.id = l.group_id and lg.leaders_see_progress
  join public.group_closure c on c.ancestor_id = l.group_id
  join public.current_memberships m on m.group_id = c.descendant_id
  where l.role = 'leader' and m.role = 'member' and m.user_id <> l.user_id;

revoke all on private.followings from public, anon, authenticated, service_role;

create or replace function private.followed_user_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select distinct f.learner_id from private.followings f
    where f.leader_id = uid and f.course_id is null
  );
end
$$;

create or replace function private.course_followed_pairs()
returns setof private.course_learner
language sql stable security definer set search_path = ''
as $$
  select distinct f.course_id, f.learner_id from private.followings f
  where f.leader_id = (select auth.uid()) and f.course_id is not null
$$;

-- Who to tell that these learners' progress in these courses changed: the leaders who follow
-- them there, and the courses' active instructors and assistants. The system asks it (it names
-- other people's leaders), so only service_role may call it.
create or replace function private.progress_watcher_ids(course_ids uuid[], user_ids uuid[])
returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select f.leader_id from private.followings f
  where f.learner_id = any (user_ids) and (f.course_id is null or f.course_id = any (course_ids))
  union
  select e.user_id from public.enrolments e
  where e.course_id = any (course_ids) and e.role in ('instructor', 'assistant') and e.status = 'active'
$$;

-- Permissions ---------------------------------------------------------------------------------------
-- Each answers "which of these ids may the current user …", from the helpers the policies use.
-- A platform admin holds every permission; whether the thing exists (and is visible) is for the
-- caller's own select to say. Security invoker (they grant nothing the caller's own privileges do
-- not), so anonymous visitors may call them too: they hold nothing, and never reach private.

create or replace function public.may_manage_organisations(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.admin_organisation_ids_array()));
end
$$;

create or replace function public.may_manage_courses(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.managed_course_ids_array()));
end
$$;

-- Course staff: instructors, assistants and the admins of the course's organisation.
create or replace function public.may_staff_courses(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.staffed_course_ids_array()));
end
$$;

create or replace function public.may_manage_groupings(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(
    select g.id from public.groupings g
    where g.id = any (ids) and g.course_id = any (private.managed_course_ids_array())
  );
end
$$;

-- Edit, move and delete a group: the admins of its organisation or course.
create or replace function public.may_manage_groups(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.managed_group_ids_array()));
end
$$;

-- Add, change and remove members: the group's admins, and its leaders where the group lets them.
create or replace function public.may_manage_group_members(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(
    select unnest(ids)
    intersect
    (select unnest(private.managed_group_ids_array()) union select unnest(private.leader_managed_group_ids_array()))
  );
end
$$;

create or replace function public.may_create_subgroups(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(
    select unnest(ids)
    intersect
    (select unnest(private.managed_group_ids_array()) union select private.leader_parent_group_ids())
  );
end
$$;

-- Read a group's channels, announcements and resources.
create or replace function public.may_read_groups(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.readable_group_ids_array()));
end
$$;

-- Post announcements (and in a group's announcements channel).
create or replace function public.may_announce_in(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.announcer_group_ids_array()));
end
$$;

-- Remove what others posted or shared, add and archive channels.
create or replace function public.may_moderate_groups(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.moderated_group_ids_array()));
end
$$;

-- See a group's progress dashboard: staff of its organisation or course, and leaders of it or
-- of an ancestor that lets its leaders see progress.
create or replace function public.may_see_group_progress(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(
    select g.id from public.groups g
    where g.id = any (ids) and (
      g.id = any (private.managed_group_ids_array())
      or g.course_id = any (private.staffed_course_ids_array())
      or exists (
        select 1 from public.group_closure c
        join public.current_memberships l on l.group_id = c.ancestor_id
        join public.groups lg on lg.id = c.ancestor_id
        where c.descendant_id = g.id and l.user_id = uid and l.role = 'leader' and lg.leaders_see_progress
      )
    )
  );
end
$$;

-- Who may post --------------------------------------------------------------------------------------

-- Why the current user may not post in a channel, or null if they may. The system (no auth.uid())
-- is held only to the channel's own state. The send trigger turns the reason into its error, the
-- insert policy and the app's "can post" flag ask can_post_in. Takes the channel's row, so a
-- statement that has just created the channel can ask too.
create or replace function private.post_refusal(channel public.channels) returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  messaging boolean;
begin
  if channel.id is null then
    return 'not_found';
  end if;
  if auth.uid() is not null and not private.can_chat_in(channel.group_id) then
    -- Someone outside the group learns nothing about its channels, not even that one is closed;
    -- a reader of a visible-mode course is told they only read here.
    return case when private.reads_chat_only_in(channel.group_id) then 'readers_only' else 'not_found' end;
  end if;
  if channel.archived_at is not null then
    return 'archived';
  end if;
  select g.messaging_enabled into messaging from public.groups g where g.id = channel.group_id;
  if not coalesce(messaging, true) then
    return 'messaging_off';
  end if;
  if channel.kind = 'announcements'
     and not channel.group_id = any (public.may_announce_in(array[channel.group_id])) then
    return 'announcers_only';
  end if;
  return null;
end
$$;

create or replace function private.post_refusal(target uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select private.post_refusal((select c from public.channels c where c.id = target))
$$;

create or replace function private.can_post_in(channel public.channels) returns boolean
language sql stable security definer set search_path = ''
as $$ select private.post_refusal(channel) is null $$;

create or replace function private.can_post_in(target uuid) returns boolean
language sql stable security definer set search_path = ''
as $$ select private.post_refusal(target) is null $$;

create or replace function private.messages_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  refusal text;
begin
  if exists (select 1 from public.messages where author_id = new.author_id and client_id = new.client_id) then
    return null;
  end if;
  refusal := private.post_refusal(new.channel_id);
  case refusal
    when 'readers_only' then
      raise exception 'You can read this group''s channels, but post only in the groups you belong to.'
        using errcode = '42501', hint = 'readers_only';
    when 'not_found' then
      raise exception 'This channel does not exist.' using errcode = '23503';
    when 'archived' then
      raise exception 'This channel is archived: it takes no new messages.' using errcode = '23514', hint = 'channel_closed';
    when 'messaging_off' then
      raise exception 'Messaging is turned off in this group.' using errcode = '23514', hint = 'channel_closed';
    when 'announcers_only' then
      raise exception 'Only leaders and admins post in announcements.' using errcode = '42501', hint = 'announcers_only';
    else
      null;
  end case;
  update public.channels set last_seq = last_seq + 1 where id = new.channel_id returning last_seq, group_id
    into new.seq, new.group_id;
  new.author_name := coalesce((select u.display_name from public.users u where u.id = new.author_id), '');
  new.edited_at := null;
  new.deleted_at := null;
  new.created_at := now();
  return new;
end
$$;

drop policy if exists "people in a group's chat send messages as themselves" on public.messages;
create policy "people in a group's chat send messages as themselves"
  on public.messages for insert to authenticated
  with check (author_id = (select auth.uid()) and (select private.can_post_in(channel_id)));

-- Capabilities: one read per page ------------------------------------------------------------------
-- What the current user may do with each of these groups (or courses) they can see, for the UI's
-- flags. Security invoker: the caller's RLS decides which rows come back, the permission functions
-- above decide each flag, so a flag can never say yes where the policy says no.

create or replace function public.group_capabilities(group_ids uuid[])
returns table (
  group_id uuid,
  can_manage boolean,
  can_manage_members boolean,
  can_create_subgroups boolean,
  can_read boolean,
  can_announce boolean,
  can_moderate boolean,
  can_see_progress boolean,
  is_member boolean,
  is_leader boolean
)
language plpgsql stable security invoker set search_path = ''
as $$
declare
  visible uuid[];
  manage uuid[];
  manage_members uuid[];
  create_subgroups uuid[];
  readable uuid[];
  announce uuid[];
  moderate uuid[];
  progress uuid[];
  member_of uuid[];
  led uuid[];
begin
  if auth.uid() is null then
    return;
  end if;
  visible := array(select g.id from public.groups g where g.id = any (group_ids));
  manage := public.may_manage_groups(visible);
  manage_members := public.may_manage_group_members(visible);
  create_subgroups := public.may_create_subgroups(visible);
  readable := public.may_read_groups(visible);
  announce := public.may_announce_in(visible);
  moderate := public.may_moderate_groups(visible);
  progress := public.may_see_group_progress(visible);
  member_of := private.member_group_ids_array();
  led := private.led_group_ids_array();
  return query
    select v.id, v.id = any (manage), v.id = any (manage_members), v.id = any (create_subgroups),
           v.id = any (readable), v.id = any (announce), v.id = any (moderate), v.id = any (progress),
           v.id = any (member_of), v.id = any (led)
    from unnest(visible) as v(id);
end
$$;

create or replace function public.course_capabilities(course_ids uuid[])
returns table (course_id uuid, can_manage boolean, can_staff boolean)
language plpgsql stable security invoker set search_path = ''
as $$
declare
  visible uuid[];
  manage uuid[];
  staff uuid[];
begin
  if auth.uid() is null then
    return;
  end if;
  visible := array(select c.id from public.courses c where c.id = any (course_ids));
  manage := public.may_manage_courses(visible);
  staff := public.may_staff_courses(visible);
  return query select v.id, v.id = any (manage), v.id = any (staff) from unnest(visible) as v(id);
end
$$;

-- Organisation admins manage their organisation (its members, courses and groups); only platform
-- admins name organisation admins (the organisation_members policies).
create or replace function public.organisation_capabilities(organisation_ids uuid[])
returns table (organisation_id uuid, can_manage boolean, can_name_admins boolean)
language plpgsql stable security invoker set search_path = ''
as $$
declare
  visible uuid[];
  manage uuid[];
  platform_admin boolean;
begin
  if auth.uid() is null then
    return;
  end if;
  visible := array(select o.id from public.organisations o where o.id = any (organisation_ids));
  manage := public.may_manage_organisations(visible);
  platform_admin := private.is_platform_admin();
  return query select v.id, v.id = any (manage), platform_admin from unnest(visible) as v(id);
end
$$;

-- Grants. The permission and capabilities functions answer only for the caller and change
-- nothing: every API role may ask. The chat and follower helpers are private: the signed-in roles
-- (policies, the app) and the system. The watcher list names other people's leaders: the system's.
revoke all on function
  public.may_manage_organisations(uuid[]), public.may_manage_courses(uuid[]),
  public.may_staff_courses(uuid[]), public.may_manage_groupings(uuid[]),
  public.may_manage_groups(uuid[]), public.may_manage_group_members(uuid[]),
  public.may_create_subgroups(uuid[]), public.may_read_groups(uuid[]),
  public.may_announce_in(uuid[]), public.may_moderate_groups(uuid[]),
  public.may_see_group_progress(uuid[]),
  public.group_capabilities(uuid[]), public.course_capabilities(uuid[]),
  public.organisation_capabilities(uuid[])
  from public;
grant execute on function
  public.may_manage_organisations(uuid[]), public.may_manage_courses(uuid[]),
  public.may_staff_courses(uuid[]), public.may_manage_groupings(uuid[]),
  public.may_manage_groups(uuid[]), public.may_manage_group_members(uuid[]),
  public.may_create_subgroups(uuid[]), public.may_read_groups(uuid[]),
  public.may_announce_in(uuid[]), public.may_moderate_groups(uuid[]),
  public.may_see_group_progress(uuid[]),
  public.group_capabilities(uuid[]), public.course_capabilities(uuid[]),
  public.organisation_capabilities(uuid[])
  to anon, authenticated, service_role;

revoke all on function
  private.followed_user_ids_array(), private.course_followed_pairs(),
  private.progress_watcher_ids(uuid[], uuid[]),
  private.post_refusal(uuid), private.can_post_in(uuid),
  private.post_refusal(public.channels), private.can_post_in(public.channels),
  private.messages_before_insert()
  from public, anon;
grant execute on function
  private.followed_user_ids_array(), private.course_followed_pairs(),
  private.post_refusal(uuid), private.can_post_in(uuid),
  private.post_refusal(public.channels), private.can_post_in(public.channels)
  to authenticated, service_role;
revoke all on function private.progress_watcher_ids(uuid[], uuid[]) from authenticated;
grant execute on function private.progress_watcher_ids(uuid[], uuid[]) to service_role;
