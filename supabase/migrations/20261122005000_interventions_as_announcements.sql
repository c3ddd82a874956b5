-- Interventions are posted as announcements in the learner group's feed (issue 6 §5).
--
-- A learner group is a hidden course group: its members must never learn they are in it (or its
-- name), so they cannot read the group or join its room, and the announcement fan-out, which names
-- the group, must never email them. An intervention's announcement is therefore inserted by the
-- sending staff member in the intervention's own transaction, already published (so neither the
-- publish job nor the sweep ever touches it), and it is the only kind of announcement a learner
-- group has. Members read it, with no group name, through their course messages; email stays the
-- intervention's own (one per recipient).
--
-- Who reads an intervention's announcement: the learner group's current direct members, and its
-- recipients for good (a recipient later removed from the group keeps the message they received:
-- recipients are facts), and the course's staff (instructors and assistants) and admins.

alter table public.interventions
  add column announcement_id uuid references public.announcements (id) on delete set null;
create index interventions_announcement_idx on public.interventions (announcement_id);

-- Policy helpers --------------------------------------------------------------------------------

-- Learner groups of the courses the current user staffs (instructors, assistants, and admins of
-- the course's organisation).
create or replace function private.staffed_learner_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  staffed uuid[] := private.staffed_course_ids_array();
begin
  return array(
    select g.id from public.groups g
    where g.kind = 'learner-group' and g.course_id = any (staffed)
  );
end
$$;

-- Learner groups the current user is a current direct member of (not a leader, not through a
-- sub-group): the people a message to the group reaches.
create or replace function private.member_learner_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select m.group_id from public.group_members m join public.groups g on g.id = m.group_id
    where m.user_id = uid and m.role = 'member' and g.kind = 'learner-group'
      and m.valid_from <= now() and m.valid_until > now()
  );
end
$$;

-- Announcements of the interventions the current user received.
create or replace function private.received_announcement_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select i.announcement_id from public.intervention_recipients r
    join public.interventions i on i.id = r.intervention_id
    where r.user_id = uid and i.announcement_id is not null
  );
end
$$;

-- Maintenance -------------------------------------------------------------------------------------

-- A learner group's announcements are its interventions: inserted published, to the group alone.
-- A normal (scheduled or unpublished) announcement there would go through the fan-out, which
-- emails the group's name to people who must not learn it.
create or replace function private.announcements_learner_group_check() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select 1 from public.groups g where g.id = new.group_id and g.kind = 'learner-group')
     and (new.published_at is null or new.include_subgroups) then
    raise exception 'Send a learner group a message from the learner group''s page.'
      using errcode = '23514', hint = 'learner_group';
  end if;
  return new;
end
$$;
create trigger announcements_learner_group_check before insert on public.announcements
  for each row execute function private.announcements_learner_group_check();

-- ... and never without its intervention: checked at commit, so the two are written together or
-- not at all.
create or replace function private.announcements_intervention_link_check() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select 1 from public.groups g where g.id = new.group_id and g.kind = 'learner-group')
     and exists (select 1 from public.announcements a where a.id = new.id)
     and not exists (select 1 from public.interventions i where i.announcement_id = new.id) then
    raise exception 'A message to a learner group is posted with its intervention.'
      using errcode = '23514', hint = 'learner_group';
  end if;
  return null;
end
$$;
create constraint trigger announcements_intervention_link after insert on public.announcements
  deferrable initially deferred
  for each row execute function private.announcements_intervention_link_check();

-- Interventions: the group's name and course (as before), and the announcement, which must be the
-- sender's, published, in the same group. `announced` says whether it was posted.
create or replace function private.interventions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select g.course_id, g.name into new.course_id, new.group_name from public.groups g
  where g.id = new.group_id and g.kind = 'learner-group';
  if new.course_id is null then
    raise exception 'Send interventions to a learner group.' using errcode = '23514';
  end if;
  if new.announcement_id is not null and not exists (
    select 1 from public.announcements a
    where a.id = new.announcement_id and a.group_id = new.group_id
      and a.author_id is not distinct from new.sent_by and a.published_at is not null
  ) then
    raise exception 'An intervention''s announcement is its sender''s, in its learner group.'
      using errcode = '23514';
  end if;
  new.announced := new.announcement_id is not null;
  return new;
end
$$;

revoke all on function private.staffed_learner_group_ids_array() from public;
revoke all on function private.member_learner_group_ids_array() from public;
revoke all on function private.received_announcement_ids_array() from public;
revoke all on function private.announcements_learner_group_check() from public;
revoke all on function private.announcements_intervention_link_check() from public;
revoke all on function private.interventions_before_insert() from public;
grant execute on function private.staffed_learner_group_ids_array() to anon, authenticated, service_role;
grant execute on function private.member_learner_group_ids_array() to anon, authenticated, service_role;
grant execute on function private.received_announcement_ids_array() to anon, authenticated, service_role;

-- Policies ----------------------------------------------------------------------------------------

create policy "course staff post messages to their learner groups already published"
  on public.announcements for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and published_at = now()
    and publish_at = now()
    and not include_subgroups
    and (
      group_id = any ((select private.staffed_learner_group_ids_array())::uuid[])
      or ((select private.is_platform_admin())
          and group_id in (select g.id from public.groups g where g.kind = 'learner-group'))
    )
  );

create policy "course staff read the messages to their learner groups"
  on public.announcements for select to authenticated
  using (group_id = any ((select private.staffed_learner_group_ids_array())::uuid[]));

create policy "members and recipients read the course team's messages to learner groups"
  on public.announcements for select to authenticated
  using (
    published_at is not null
    and (
      group_id = any ((select private.member_learner_group_ids_array())::uuid[])
      or id = any ((select private.received_announcement_ids_array())::uuid[])
    )
  );

create policy "course staff see who has seen their messages to learner groups"
  on public.announcement_views for select to authenticated
  using (
    announcement_id in (
      select a.id from public.announcements a
      where a.group_id = any ((select private.staffed_learner_group_ids_array())::uuid[])
    )
  );
