-- Notifications: one inbox per person across every group and course (mentions, announcements,
-- membership changes, request decisions, sign-ups, course messages; thread replies and direct
-- messages when they exist), with a delivery preference per kind (in the app only, email at once,
-- a daily email digest, or off). Published by the database where the fact is written, so no code
-- path can forget one: the triggers below, and any domain that inserts into public.notifications
-- (the preference, the "not to yourself" rule and the live push apply to every insert). Commits
-- NOTIFY `tessera_notifications`; the app pushes the rows to the person's sockets and queues the
-- emails.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.notifications:
--     notifications_before_insert: before insert, each row
--     notifications_published: after insert, each statement
--   public.notification_preferences: none
--   private.notification_email_tokens: none
--   private.notification_digests: none
-- Triggers defined here on other areas' tables (listed at the top of their files):
--   public.mentions: mentions_notify_insert, mentions_notify_delete
--   public.messages: messages_thread_reply_notify
--   public.announcements: announcements_notify_insert, announcements_notify_publish
--   public.group_members: group_members_notify_added, group_members_notify_removed
--   public.group_join_requests: group_join_requests_notify_decided
--   public.intervention_recipients: intervention_recipients_notify

set check_function_bodies = off;

-- Inbox -------------------------------------------------------------------------------------------
create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  kind text not null check (kind in (
    'mention', 'thread_reply', 'direct_message', 'announcement', 'membership_added',
    'membership_removed', 'join_request_decided', 'signup_result', 'course_message')),
  title text not null check (length(btrim(title)) between 1 and 300),
  summary text not null default '' check (length(summary) <= 1000),
  -- Where it happened, as a path in the app.
  link text not null check (link ~ '^/([^/]|$)' and length(link) <= 500),
  actor_id uuid references public.users (id) on delete set null,
  group_id uuid references public.groups (id) on delete set null,
  course_id uuid references public.courses (id) on delete set null,
  -- The message, announcement, request or intervention it is about (no foreign key: the inbox is
  -- the person's history).
  subject_id uuid,
  -- The recipient's preference when it arrived (set by the trigger; 'off' is never stored).
  delivery text not null default 'in_app' check (delivery in ('in_app', 'email', 'digest')),
  -- When it was emailed (at once, in a digest, or by its own domain: announcements, course messages).
  emailed_at timestamptz,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index notifications_user_idx on public.notifications (user_id, created_at desc, id);
create index notifications_unread_idx on public.notifications (user_id) where read_at is null;
create index notifications_actor_idx on public.notifications (actor_id);
create index notifications_group_idx on public.notifications (group_id);
create index notifications_course_idx on public.notifications (course_id);
create index notifications_email_due_idx on public.notifications (created_at)
  where delivery = 'email' and emailed_at is null;
create index notifications_digest_due_idx on public.notifications (user_id)
  where delivery = 'digest' and emailed_at is null;
-- One notification per person for one message, announcement or course message, however often its
-- trigger runs (a republished announcement, a mention re-added by an edit).
create unique index notifications_once_idx on public.notifications (user_id, kind, subject_id)
  where subject_id is not null
    and kind in ('mention', 'thread_reply', 'direct_message', 'announcement', 'course_message');
alter table public.notifications enable row level security;
alter table public.notifications force row level security;
revoke all on table public.notifications from anon, authenticated, service_role;
grant select on table public.notifications to authenticated;
grant update (read_at) on table public.notifications to authenticated;
grant select, insert, update, delete on table public.notifications to service_role;

create table public.notification_preferences (
  user_id uuid not null references public.users (id) on delete cascade,
  kind text not null check (kind in (
    'mention', 'thread_reply', 'direct_message', 'announcement', 'membership_added',
    'membership_removed', 'join_request_decided', 'signup_result', 'course_message')),
  delivery text not null check (delivery in ('in_app', 'email', 'digest', 'off')),
  updated_at timestamptz not null default now(),
  primary key (user_id, kind),
  -- The course team's message is always emailed by the message itself (interventions): the
  -- inbox entry is what a person chooses.
  check (kind <> 'course_message' or delivery in ('in_app', 'off'))
);
alter table public.notification_preferences enable row level security;
alter table public.notification_preferences force row level security;
revoke all on table public.notification_preferences from anon, authenticated, service_role;
grant select, insert, delete on table public.notification_preferences to authenticated;
grant update (delivery, updated_at) on table public.notification_preferences to authenticated;
grant select, insert, update, delete on table public.notification_preferences to service_role;

-- The one-click unsubscribe link of each person and kind: 256 random bits, made by the app when it
-- first emails that kind; it only ever turns that kind's email off. System only.
create table private.notification_email_tokens (
  user_id uuid not null references public.users (id) on delete cascade,
  kind text not null,
  token text not null unique check (length(token) >= 40),
  created_at timestamptz not null default now(),
  primary key (user_id, kind)
);
revoke all on table private.notification_email_tokens from anon, authenticated, service_role;
grant select, insert, delete on table private.notification_email_tokens to service_role;

-- One digest per person per day (UTC): claimed before it is sent, so a job that runs twice, or in
-- two processes at once, sends it once. System only.
create table private.notification_digests (
  user_id uuid not null references public.users (id) on delete cascade,
  day date not null,
  sent_at timestamptz not null default now(),
  item_count integer not null default 0,
  primary key (user_id, day)
);
revoke all on table private.notification_digests from anon, authenticated, service_role;
grant select, insert, update, delete on table private.notification_digests to service_role;

-- Functions ---------------------------------------------------------------------------------------

-- How a person wants a kind delivered: their choice, else the default (mentions, direct messages
-- and announcements by email at once; the rest in the app only).
create or replace function private.notification_delivery(target_user uuid, target_kind text) returns text
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    (select p.delivery from public.notification_preferences p
     where p.user_id = target_user and p.kind = target_kind),
    case when target_kind in ('mention', 'direct_message', 'announcement') then 'email' else 'in_app' end)
$$;
revoke all on function private.notification_delivery(target_user uuid, target_kind text) from public, anon, authenticated, service_role;
grant execute on function private.notification_delivery(target_user uuid, target_kind text) to service_role;

-- The people an announcement reaches: the current members of its group (of its whole subtree when
-- it goes to sub-groups too), active accounts, not its author. Never a learner group's (those are
-- course messages, which do not name the group). The email fan-out reads the same set.
create or replace function private.announcement_audience(target uuid) returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select distinct m.user_id
  from public.announcements a
  join public.groups g on g.id = a.group_id and g.kind <> 'learner-group'
  join public.group_closure c on c.ancestor_id = a.group_id and (a.include_subgroups or c.depth = 0)
  join public.current_memberships m on m.group_id = c.descendant_id
  join public.users u on u.id = m.user_id
  where a.id = target
    and u.disabled_at is null and m.user_id is distinct from a.author_id
$$;
revoke all on function private.announcement_audience(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.announcement_audience(target uuid) to service_role;

-- Every insert, by a trigger here or by a domain: the preference decides ('off': not stored), and
-- nobody is notified of what they did themselves.
create or replace function private.notifications_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.actor_id is not null and new.actor_id = new.user_id and new.kind <> 'signup_result' then
    return null;
  end if;
  new.delivery := private.notification_delivery(new.user_id, new.kind);
  if new.delivery = 'off' then
    return null;
  end if;
  -- Course messages are emailed by the intervention itself, announcements by their fan-out (which
  -- reads the same preference): the notification centre does not email them a second time.
  if new.delivery = 'email' and new.kind in ('announcement', 'course_message') then
    new.emailed_at := now();
  end if;
  new.read_at := null;
  return new;
end
$$;
revoke all on function private.notifications_before_insert() from public, anon, authenticated, service_role;

-- The app pushes new notifications live and queues their emails: it is told the ids at commit, 100
-- to a NOTIFY (a payload stays under 8 kB), however many rows one statement wrote.
create or replace function private.notifications_published() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  ids uuid[];
  chunk uuid[];
begin
  select array_agg(id order by created_at, id) into ids from new_rows;
  for i in 0 .. coalesce(array_length(ids, 1), 0) / 100 loop
    chunk := ids[i * 100 + 1 : i * 100 + 100];
    if coalesce(array_length(chunk, 1), 0) > 0 then
      -- `email`: those of them to email at once.
      perform pg_notify('tessera_notifications', json_build_object(
        'ids', chunk,
        'email', (select array_agg(n.id) from new_rows n
                  where n.id = any (chunk) and n.delivery = 'email' and n.emailed_at is null))::text);
    end if;
  end loop;
  return null;
end
$$;
revoke all on function private.notifications_published() from public, anon, authenticated, service_role;

-- Publishers ----------------------------------------------------------------------------------------

create or replace function private.mentions_notify() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    -- An edit took the mention back, or the message was deleted.
    delete from public.notifications n
    where n.user_id = old.user_id and n.kind = 'mention' and n.subject_id = old.message_id;
    return null;
  end if;
  insert into public.notifications (user_id, kind, title, summary, link, actor_id, group_id, course_id, subject_id)
  select new.user_id, 'mention',
         left(coalesce(u.display_name, 'Someone') || ' mentioned you in #' || ch.name || ' · ' || g.name, 300),
         left(msg.body, 280),
         '/groups/' || ch.group_id || '/channels/' || ch.id || coalesce('?thread=' || msg.thread_root_id, ''),
         new.from_user_id, ch.group_id, g.course_id, new.message_id
  from public.channels ch
  join public.groups g on g.id = ch.group_id
  join public.messages msg on msg.id = new.message_id
  left join public.users u on u.id = new.from_user_id
  where ch.id = new.channel_id
  on conflict do nothing;
  return null;
end
$$;
revoke all on function private.mentions_notify() from public, anon, authenticated, service_role;

-- A reply in a thread tells its followers (thread_follows, 09_channels.sql) who still take part in
-- the group's chat, except its author and the people it mentions (told by their mention); a
-- deleted reply takes its notifications back.
create or replace function private.messages_thread_reply_notify() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    if new.deleted_at is not null and old.deleted_at is null then
      delete from public.notifications n where n.kind = 'thread_reply' and n.subject_id = new.id;
    end if;
    return null;
  end if;
  insert into public.notifications (user_id, kind, title, summary, link, actor_id, group_id, course_id, subject_id)
  select f.user_id, 'thread_reply',
         left(coalesce(nullif(new.author_name, ''), 'Someone') || ' replied in a thread in #' || ch.name || ' · ' || g.name, 300),
         left(new.body, 280),
         '/groups/' || g.id || '/channels/' || ch.id || '?thread=' || new.thread_root_id,
         new.author_id, g.id, g.course_id, new.id
  from public.thread_follows f
  join public.channels ch on ch.id = new.channel_id
  join public.groups g on g.id = new.group_id
  join public.users u on u.id = f.user_id and u.disabled_at is null
  where f.root_id = new.thread_root_id and f.following
    and f.user_id in (select private.chat_participant_ids(new.group_id))
    and not exists (select 1 from public.mentions mm where mm.message_id = new.id and mm.user_id = f.user_id)
  on conflict do nothing;
  return null;
end
$$;
revoke all on function private.messages_thread_reply_notify() from public, anon, authenticated, service_role;

-- Once an announcement is published (at once, or by the publishing job when its time comes), its
-- audience is told. Learner groups' announcements are course messages, told by their recipients.
create or replace function private.announcements_notify() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.published_at is null or (tg_op = 'UPDATE' and old.published_at is not null) then
    return null;
  end if;
  insert into public.notifications (user_id, kind, title, summary, link, actor_id, group_id, course_id, subject_id)
  select audience.id, 'announcement', left('Announcement in ' || g.name || ': ' || new.title, 300),
         left(new.body, 280), '/groups/' || g.id || '/announcements',
         new.author_id, g.id, g.course_id, new.id
  from private.announcement_audience(new.id) as audience(id)
  join public.groups g on g.id = new.group_id
  on conflict do nothing;
  return null;
end
$$;
revoke all on function private.announcements_notify() from public, anon, authenticated, service_role;

-- Membership changes a person did not make themselves, in groups they may know about (not hidden
-- groups, not learner groups, whose members must not learn of them). Joining by an approved
-- request is told by the decision; a self sign-up into a course group is confirmed.
create or replace function private.group_members_notify_added() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  insert into public.notifications (user_id, kind, title, summary, link, actor_id, group_id, course_id)
  select n.user_id,
         case when n.source = 'self' then 'signup_result' else 'membership_added' end,
         left(case
           when n.source = 'self' then 'You signed up for ' || g.name
           when n.role = 'leader' then coalesce(a.display_name, 'Tessera') || ' made you a leader of ' || g.name
           else coalesce(a.display_name, 'Tessera') || ' added you to ' || g.name end, 300),
         coalesce(c.code || ' · ' || c.name, ''),
         '/groups/' || g.id, coalesce(n.added_by, uid), g.id, g.course_id
  from new_rows n
  join public.groups g on g.id = n.group_id
  left join public.courses c on c.id = g.course_id
  left join public.users a on a.id = coalesce(n.added_by, uid)
  where g.visibility <> 'hidden' and g.kind <> 'learner-group' and n.source <> 'rule'
    and (
      (n.source = 'self' and exists (
        select 1 from public.grouping_groups gg join public.groupings gr on gr.id = gg.grouping_id
        where gg.group_id = n.group_id and gr.signup_open))
      or (n.source <> 'self' and n.user_id is distinct from uid
          and not exists (
            select 1 from public.group_join_requests r
            where r.group_id = n.group_id and r.user_id = n.user_id and r.status = 'approved'
              and r.decided_at = now()))
    );
  return null;
end
$$;
revoke all on function private.group_members_notify_added() from public, anon, authenticated, service_role;

create or replace function private.group_members_notify_removed() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  -- A group being deleted takes its memberships with it; its row is gone by now, so nobody is told
  -- of the group's memberships one by one.
  insert into public.notifications (user_id, kind, title, summary, link, actor_id, group_id, course_id)
  select o.user_id, 'membership_removed',
         left(coalesce(a.display_name, 'Tessera') || ' removed you from ' || g.name, 300),
         coalesce(c.code || ' · ' || c.name, ''), '/', uid, g.id, g.course_id
  from old_rows o
  join public.groups g on g.id = o.group_id
  left join public.courses c on c.id = g.course_id
  left join public.users a on a.id = uid
  where g.visibility <> 'hidden' and g.kind <> 'learner-group' and o.source <> 'rule'
    and o.user_id is distinct from uid and private.membership_was_current(o.valid_from, o.valid_until);
  return null;
end
$$;
revoke all on function private.group_members_notify_removed() from public, anon, authenticated, service_role;

create or replace function private.group_join_requests_notify_decided() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if old.status <> 'pending' or new.status not in ('approved', 'declined') then
    return null;
  end if;
  insert into public.notifications (user_id, kind, title, summary, link, actor_id, group_id, course_id, subject_id)
  select new.user_id, 'join_request_decided',
         left(case when new.status = 'approved' then 'Your request to join ' || g.name || ' was approved'
                   else 'Your request to join ' || g.name || ' was declined' end, 300),
         coalesce(a.display_name || ' decided it.', ''),
         case when new.status = 'approved' then '/groups/' || g.id else '/' end,
         coalesce(new.decided_by, auth.uid()), g.id, g.course_id, new.id
  from public.groups g
  left join public.users a on a.id = coalesce(new.decided_by, auth.uid())
  where g.id = new.group_id;
  return null;
end
$$;
revoke all on function private.group_join_requests_notify_decided() from public, anon, authenticated, service_role;

-- A course team's message, as its recipients receive it: the course and the sender, never the
-- learner group's name.
create or replace function private.intervention_recipients_notify() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.notifications (user_id, kind, title, summary, link, actor_id, course_id, subject_id)
  select r.user_id, 'course_message',
         left('Message from ' || c.code || ': ' || i.subject, 300), left(i.body, 280),
         '/courses/' || c.id || '/activities', i.sent_by, c.id, i.id
  from new_rows r
  join public.interventions i on i.id = r.intervention_id
  join public.courses c on c.id = i.course_id
  on conflict do nothing;
  return null;
end
$$;
revoke all on function private.intervention_recipients_notify() from public, anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger notifications_before_insert before insert on public.notifications
  for each row execute function private.notifications_before_insert();

create trigger notifications_published after insert on public.notifications
  referencing new table as new_rows for each statement execute function private.notifications_published();

create trigger mentions_notify_insert after insert on public.mentions
  for each row execute function private.mentions_notify();

create trigger mentions_notify_delete after delete on public.mentions
  for each row execute function private.mentions_notify();

-- After messages_thread_follow (by name): the reply's author and the root's follow by then.
create trigger messages_thread_reply_notify after insert or update of deleted_at on public.messages
  for each row when (new.thread_root_id is not null) execute function private.messages_thread_reply_notify();

create trigger announcements_notify_insert after insert on public.announcements
  for each row when (new.published_at is not null) execute function private.announcements_notify();

create trigger announcements_notify_publish after update of published_at on public.announcements
  for each row execute function private.announcements_notify();

create trigger group_members_notify_added after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_notify_added();

create trigger group_members_notify_removed after delete on public.group_members
  referencing old table as old_rows for each statement execute function private.group_members_notify_removed();

create trigger group_join_requests_notify_decided after update of status on public.group_join_requests
  for each row execute function private.group_join_requests_notify_decided();

create trigger intervention_recipients_notify after insert on public.intervention_recipients
  referencing new table as new_rows for each statement execute function private.intervention_recipients_notify();

-- Policies ----------------------------------------------------------------------------------------

create policy "people see their own notifications"
  on public.notifications for select to authenticated
  using (user_id = (select auth.uid()));

create policy "people mark their own notifications read"
  on public.notifications for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "people see their own notification preferences"
  on public.notification_preferences for select to authenticated
  using (user_id = (select auth.uid()));

create policy "people set their own notification preferences"
  on public.notification_preferences for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "people change their own notification preferences"
  on public.notification_preferences for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "people reset their own notification preferences"
  on public.notification_preferences for delete to authenticated
  using (user_id = (select auth.uid()));
