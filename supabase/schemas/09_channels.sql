-- Channels: chat channels per group, messages with a per-channel gap-free seq and change
-- numbers for catch-up, reactions, read markers and mentions. Who may read and post follows the
-- group's membership and the course's group mode. Commits NOTIFY the socket relay; membership
-- changes NOTIFY revocation. The Socket.IO adapter's attachments table lives here too.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.channels:
--     channels_before_write: before update, each row
--     channels_audit: after insert or update, each row [12_audit.sql]
--   public.messages:
--     messages_before_insert: before insert, each row
--     messages_before_update: before update, each row
--     messages_check_attachment: before insert or update, each row
--     messages_check_file: before insert or update, each row [14_direct_messages.sql]
--     messages_check_thread: before insert, each row
--     messages_count_change: before update, each row
--     messages_notify: after insert, each row
--     messages_notify_direct: after insert, each row [14_direct_messages.sql]
--     messages_record_mentions: after insert, each row
--     messages_remove_file: after update, each row [14_direct_messages.sql]
--     messages_thread_follow: after insert or update, each row
--     messages_thread_reply_notify: after insert or update, each row [13_notifications.sql]
--     messages_update_mentions: after update, each row
--     messages_touch_activity: after insert, each statement [10_progress.sql]
--   public.message_reactions:
--     message_reactions_before_insert: before insert, each row
--     message_reactions_changed_delete: after delete, each statement
--     message_reactions_changed_insert: after insert, each statement
--   public.channel_reads: none
--   public.mentions:
--     mentions_follow_thread: after insert, each row
--     mentions_notify_delete: after delete, each row [13_notifications.sql]
--     mentions_notify_insert: after insert, each row [13_notifications.sql]
--   public.thread_follows:
--     thread_follows_before_insert: before insert, each row
--   private.socket_io_attachments: none

set check_function_bodies = off;

-- Channels ----------------------------------------------------------------------------------------
create table public.channels (
  id uuid primary key default gen_random_uuid(),
  -- A direct conversation's channel belongs to no group (14_direct_messages.sql).
  group_id uuid references public.groups (id) on delete cascade,
  name text not null check (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  kind text not null default 'chat' check (kind in ('chat', 'announcements', 'direct')),
  archived_at timestamptz,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  -- The last message's seq (gap-free per channel) and the last change number (edits,
  -- deletions, reactions), both taken under the channel's row lock.
  last_seq bigint not null default 0 check (last_seq >= 0),
  last_change bigint not null default 0 check (last_change >= 0),
  unique (group_id, name),
  check ((kind = 'direct') = (group_id is null))
);
-- One announcements channel per group.
create unique index channels_one_announcements_idx on public.channels (group_id) where kind = 'announcements';
alter table public.channels enable row level security;
alter table public.channels force row level security;
revoke all on table public.channels from anon, authenticated, service_role;
grant insert, select on table public.channels to anon;
grant insert, select on table public.channels to authenticated;
grant insert, select, update, delete on table public.channels to service_role;
grant update (name, archived_at) on table public.channels to authenticated;

-- Messages ----------------------------------------------------------------------------------------
create table public.messages (
  id uuid primary key default gen_random_uuid(),
  channel_id uuid not null references public.channels (id) on delete cascade,
  -- Copied from the channel by the insert trigger, so policies read it without a join (null in a
  -- direct conversation).
  group_id uuid references public.groups (id) on delete cascade,
  seq bigint not null,
  author_id uuid references public.users (id) on delete set null,
  -- The author's name when read: kept in step with users.display_name by a trigger, so members
  -- see who wrote what without being able to list the group's members.
  author_name text not null default '',
  client_id uuid not null,
  body text not null check (char_length(body) <= 4000),
  attachment_resource_id uuid
    constraint messages_attachment_resource_fkey references public.resources (id) on delete set null,
  -- A file sent in a direct conversation (its foreign key: 14_direct_messages.sql).
  attachment_file_id uuid,
  edited_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  search tsvector generated always as (to_tsvector('simple', body)) stored,
  -- The channel's change number of this message's last edit, deletion or reaction (0: none),
  -- so catch-up returns what changed since a client's number.
  change_seq bigint not null default 0,
  -- A thread reply: the top-level message of the same channel it answers (threads do not nest;
  -- messages_check_thread), and whether it was also sent to the channel. A reply takes the
  -- channel's next seq like any message, so catch-up, edits and reactions work unchanged.
  thread_root_id uuid references public.messages (id) on delete cascade,
  also_in_channel boolean not null default false,
  unique (channel_id, seq),
  unique (author_id, client_id),
  check (deleted_at is not null or char_length(btrim(body)) >= 1),
  check (thread_root_id is not null or not also_in_channel),
  check (thread_root_id is distinct from id)
);
create index messages_thread_idx on public.messages (thread_root_id, seq) where thread_root_id is not null;
create index messages_attachment_idx on public.messages (attachment_resource_id) where attachment_resource_id is not null;
create index messages_channel_change_idx on public.messages (channel_id, change_seq) where change_seq > 0;
create index messages_group_idx on public.messages (group_id);
create index messages_search_idx on public.messages using gin (search);
alter table public.messages enable row level security;
alter table public.messages force row level security;
revoke all on table public.messages from anon, authenticated, service_role;
grant insert, select on table public.messages to anon;
grant insert, select on table public.messages to authenticated;
grant insert, select, update, delete on table public.messages to service_role;
grant update (body, deleted_at) on table public.messages to authenticated;

-- Reactions, read positions, mentions -----------------------------------------------------------
create table public.message_reactions (
  message_id uuid not null references public.messages (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  emoji text not null check (char_length(emoji) between 1 and 16 and emoji !~ '\s'),
  group_id uuid references public.groups (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (message_id, user_id, emoji)
);
create index message_reactions_group_idx on public.message_reactions (group_id);
create index message_reactions_user_idx on public.message_reactions (user_id);
alter table public.message_reactions enable row level security;
alter table public.message_reactions force row level security;
revoke all on table public.message_reactions from anon, authenticated, service_role;
grant insert, select on table public.message_reactions to anon;
grant insert, select, delete on table public.message_reactions to authenticated;
grant insert, select, update, delete on table public.message_reactions to service_role;

create table public.channel_reads (
  user_id uuid not null references public.users (id) on delete cascade,
  channel_id uuid not null references public.channels (id) on delete cascade,
  last_read_seq bigint not null default 0 check (last_read_seq >= 0),
  updated_at timestamptz not null default now(),
  primary key (user_id, channel_id)
);
create index channel_reads_channel_idx on public.channel_reads (channel_id);
alter table public.channel_reads enable row level security;
alter table public.channel_reads force row level security;
revoke all on table public.channel_reads from anon, authenticated, service_role;
grant insert, select on table public.channel_reads to anon;
grant insert, select on table public.channel_reads to authenticated;
grant insert, select, update, delete on table public.channel_reads to service_role;
grant update (last_read_seq, updated_at) on table public.channel_reads to authenticated;

create table public.mentions (
  message_id uuid not null references public.messages (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  channel_id uuid not null references public.channels (id) on delete cascade,
  seq bigint not null,
  from_user_id uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (message_id, user_id)
);
create index mentions_from_idx on public.mentions (from_user_id);
create index mentions_user_idx on public.mentions (user_id, channel_id, seq);
alter table public.mentions enable row level security;
alter table public.mentions force row level security;
revoke all on table public.mentions from anon, authenticated, service_role;
grant insert, select on table public.mentions to anon;
grant insert, select on table public.mentions to authenticated;
grant insert, select, update, delete on table public.mentions to service_role;

-- Large broadcasts between app processes (@socket.io/postgres-adapter) pass through this table;
-- only the system role reads and writes it.
create table private.socket_io_attachments (
  id bigserial unique,
  created_at timestamptz default now(),
  payload bytea
);
revoke all on table private.socket_io_attachments from anon, authenticated, service_role;
grant insert, select, delete on table private.socket_io_attachments to service_role;

revoke all on sequence private.socket_io_attachments_id_seq from anon, authenticated, service_role;
grant usage on sequence private.socket_io_attachments_id_seq to service_role;

-- Functions ---------------------------------------------------------------------------------------

-- The same rule for one group, as point lookups: what a send checks (one row, many times a
-- second), where building the whole set would cost more than the insert itself.
create or replace function private.can_chat_in(target uuid) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  if uid is null or exists (select 1 from public.groups where id = target and deleted_at is not null) then
    return false;
  end if;
  return exists (
      select 1 from public.group_closure c
      join public.current_memberships m on m.group_id = c.descendant_id
      join public.groups g on g.id = c.ancestor_id
      where c.ancestor_id = target and m.user_id = uid and g.visibility <> 'hidden'
    )
    or exists (
      select 1 from public.group_closure c
      join public.current_memberships m on m.group_id = c.ancestor_id
      where c.descendant_id = target and m.user_id = uid and m.role = 'leader'
    )
    or target = any (private.managed_group_ids_array())
    or private.is_platform_admin();
end
$$;
revoke all on function private.can_chat_in(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.can_chat_in(target uuid) to authenticated, service_role;

create or replace function private.channels_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    if old.kind <> 'chat' and new.archived_at is distinct from old.archived_at then
      raise exception 'The announcements channel cannot be archived.' using errcode = '23514';
    end if;
    if old.name in ('general', 'announcements') and new.name <> old.name then
      raise exception 'The % channel cannot be renamed.', old.name using errcode = '23514';
    end if;
  end if;
  return new;
end
$$;
revoke all on function private.channels_before_write() from public, anon, authenticated, service_role;

-- Group channels: every group with messaging on talks in `general` and reads `announcements`;
-- leaders add more chat channels. Messages carry a per-channel gap-free `seq`, assigned in the
-- inserting transaction by bumping channels.last_seq (the row lock serialises senders of one
-- channel; a rollback gives the number back), so clients catch up with "everything after seq N".
--
-- Who may read a group's channels: its effective members (members of sub-groups included),
-- leaders of the group or of an ancestor (they also moderate), and the admins of its scope.
-- The socket server joins exactly these people to the `group:<id>` room, from the same helper.
-- Who chats where ---------------------------------------------------------------------------------
create or replace function private.chat_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  member_of uuid[] := private.member_group_ids_array();
  led uuid[] := private.led_group_ids_array();
  managed uuid[] := private.managed_group_ids_array();
begin
  return array(
    -- A hidden group is for staff and leaders: its plain members do not know it, so have no chat there.
    select g.id from public.groups g where g.visibility <> 'hidden' and g.id = any (member_of)
    union
    select unnest(led)
    union
    select unnest(managed)
  );
end
$$;
revoke all on function private.chat_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.chat_group_ids_array() to authenticated, service_role;

-- The people who take part in a group's chat (for mentions): its effective members and the
-- leaders of it and its ancestors.
create or replace function private.chat_participant_ids(target uuid) returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select m.user_id from public.effective_members m
  where m.group_id = target
    and exists (select 1 from public.groups g where g.id = target and g.visibility <> 'hidden')
  union
  select m.user_id from public.group_closure c
  join public.current_memberships m on m.group_id = c.ancestor_id
  where c.descendant_id = target and m.role = 'leader'
$$;
revoke all on function private.chat_participant_ids(target uuid) from public, anon, authenticated, service_role;

-- Channels follow the course's group mode (docs/decisions.md, "Course groups" → "Group mode").
-- In a course whose mode is `visible`, its active participants read the channels (the channel
-- list, the messages and their reactions) of every non-hidden course group, as they see those
-- groups (07_course_groups.sql). Posting, reacting, editing and the socket rooms
-- stay with the people in the group's chat (private.chat_group_ids_array, private.can_chat_in),
-- so a reader gets history on request and no live traffic. `separate` and `none` courses keep
-- member-only channels; staff, leaders and admins are unchanged.
-- Groups whose channels the current user reads: those they chat in, and the non-hidden groups of
-- their visible-mode courses.
create or replace function private.chat_readable_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  chat uuid[] := private.chat_group_ids_array();
  visible_mode uuid[] := private.visible_mode_course_ids_array();
begin
  if cardinality(visible_mode) = 0 then
    return chat;
  end if;
  return array(
    select unnest(chat)
    union
    select g.id from public.groups g
    where g.deleted_at is null and g.course_id = any (visible_mode) and g.visibility <> 'hidden'
  );
end
$$;
revoke all on function private.chat_readable_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.chat_readable_group_ids_array() to authenticated, service_role;

-- The socket server's view of one person: the groups whose rooms they join, and when a dated
-- membership of theirs next starts or ends (the server re-reads their rooms then).
create or replace function private.chat_rooms(out group_ids uuid[], out next_change timestamptz)
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  group_ids := private.chat_group_ids_array();
  select min(t) into next_change from (
    select m.valid_until as t from public.unexpired_memberships m
    where m.user_id = uid and m.valid_until <> 'infinity'
    union all
    select m.valid_from from public.group_members m
    where m.user_id = uid and m.valid_from > now()
  ) as changes;
end
$$;
revoke all on function private.chat_rooms(OUT group_ids uuid[], OUT next_change timestamp with time zone) from public, anon, authenticated, service_role;
grant execute on function private.chat_rooms(OUT group_ids uuid[], OUT next_change timestamp with time zone) to authenticated, service_role;

-- Every group with messaging on has `general` and `announcements`; turning messaging back on
-- restores them if missing (they are never deleted, only closed).
create or replace function private.groups_ensure_channels() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.messaging_enabled and (tg_op = 'INSERT' or not old.messaging_enabled) then
    insert into public.channels (group_id, name, kind, created_by)
    values (new.id, 'general', 'chat', new.created_by), (new.id, 'announcements', 'announcements', new.created_by)
    on conflict do nothing;
  end if;
  return null;
end
$$;
revoke all on function private.groups_ensure_channels() from public, anon, authenticated, service_role;

-- Mentions follow edits: an edit that adds "@Name" mentions that person (and the app tells
-- them), one that removes it takes the mention back, and a deletion takes them all back. One
-- definition of who a body mentions: names match without case or accents ("@ines moreau" is Inès
-- Moreau; the composer's picker folds the same way, src/lib/mention-match.ts), the longest name
-- at a place wins, and "@channel" from someone who may use it (private.may_mention_channel)
-- mentions everyone in the group's chat; from anyone else it is plain text.
create or replace function private.mentioned_user_ids(body text, chat_group uuid, author uuid, chat_channel uuid) returns uuid[]
language sql stable security definer set search_path = ''
as $$
  with folded as (select private.fold_mention_text(body) as text),
  -- A group's chat participants; in a direct conversation (no group), the people in it.
  participants as (
    select p.id from private.chat_participant_ids(chat_group) as p(id) where chat_group is not null
    union
    select m.user_id from public.conversation_members m
    where chat_group is null and m.channel_id = chat_channel
  ),
  candidates as (
    select u.id, char_length(private.fold_mention_text(u.display_name)) as len, p.at
    from public.users u
    cross join folded f
    cross join lateral (select position('@' || private.fold_mention_text(u.display_name) in f.text) as at) p
    where position('@' in body) > 0
      and u.id in (select participants.id from participants)
      and u.disabled_at is null
      and p.at > 0
      and substr(f.text, p.at + 1 + char_length(private.fold_mention_text(u.display_name)), 1) !~ '[[:alnum:]_]'
  ),
  everyone as (
    select p.id from private.chat_participant_ids(chat_group) as p(id)
    join public.users u on u.id = p.id and u.disabled_at is null
    cross join folded f
    where f.text ~ '(^|[^[:alnum:]_])@channel([^[:alnum:]_]|$)'
      and author is not distinct from auth.uid() and private.may_mention_channel(chat_group)
  )
  select coalesce(array_agg(distinct m.id), '{}') from (
    select c.id from candidates c
    where not exists (select 1 from candidates longer where longer.at = c.at and longer.len > c.len)
    union
    select e.id from everyone e
  ) m
  where m.id is distinct from author
$$;
revoke all on function private.mentioned_user_ids(body text, chat_group uuid, author uuid, chat_channel uuid) from public, anon, authenticated, service_role;

create or replace function private.message_reactions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  target public.messages;
begin
  select * into target from public.messages where id = new.message_id;
  if not found then
    raise exception 'This message does not exist.' using errcode = '23503';
  end if;
  if target.deleted_at is not null then
    raise exception 'This message was deleted.' using errcode = '23514';
  end if;
  new.group_id := target.group_id;
  return new;
end
$$;
revoke all on function private.message_reactions_before_insert() from public, anon, authenticated, service_role;

-- A reaction added or taken back changes its message.
create or replace function private.message_reactions_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  touched uuid[];
begin
  if tg_op = 'INSERT' then
    touched := array(select distinct message_id from new_rows);
  else
    touched := array(select distinct message_id from old_rows);
  end if;
  -- change_seq + 1 only marks the row; messages_count_change gives it the channel's number.
  update public.messages set change_seq = change_seq + 1
  where id = any (touched) and deleted_at is null;
  return null;
end
$$;
revoke all on function private.message_reactions_changed() from public, anon, authenticated, service_role;

-- Why the current user may not post in a channel, or null if they may. The system (no auth.uid())
-- is held only to the channel's own state. The send trigger turns the reason into its error, the
-- insert policy and the app's "can post" flag ask can_post_in (or, with the row, can_post_in_row), so a
-- statement that has just created the channel can ask too. Granted to no one: the send trigger
-- and can_post_in (both definer) call it; callers get only can_post_in's yes or no.
create or replace function private.post_refusal_for_row(channel public.channels) returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  messaging boolean;
begin
  if channel.id is null then
    return 'not_found';
  end if;
  if channel.kind = 'direct' then
    return private.direct_post_refusal(channel.id);
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
revoke all on function private.post_refusal_for_row(channel public.channels) from public, anon, authenticated, service_role;

create or replace function private.post_refusal(target uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select private.post_refusal_for_row((select c from public.channels c where c.id = target))
$$;
revoke all on function private.post_refusal(target uuid) from public, anon, authenticated, service_role;

create or replace function private.can_post_in_row(channel public.channels) returns boolean
language sql stable security definer set search_path = ''
as $$ select private.post_refusal_for_row(channel) is null $$;
revoke all on function private.can_post_in_row(channel public.channels) from public, anon, authenticated, service_role;
grant execute on function private.can_post_in_row(channel public.channels) to authenticated, service_role;

create or replace function private.can_post_in(target uuid) returns boolean
language sql stable security definer set search_path = ''
as $$ select private.post_refusal(target) is null $$;
revoke all on function private.can_post_in(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.can_post_in(target uuid) to authenticated, service_role;

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
revoke all on function public.may_moderate_groups(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_moderate_groups(ids uuid[]) to anon, authenticated, service_role;

-- Stamps a new message (author, group, next seq), with a clear refusal for someone who only reads
-- the channel.
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
    when 'not_allowed' then
      raise exception 'You can no longer message everyone in this conversation.' using errcode = '42501', hint = 'not_allowed';
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
revoke all on function private.messages_before_insert() from public, anon, authenticated, service_role;

-- Authors edit their own messages; authors and moderators delete (the text goes, the seq stays so
-- clients see the gap is a deletion). A deleted message is final.
create or replace function private.messages_before_update() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if old.deleted_at is not null then
    raise exception 'This message was deleted.' using errcode = '23514';
  end if;
  if new.deleted_at is not null then
    new.body := '';
    new.attachment_resource_id := null;
    -- A conversation's file goes with its message (14_direct_messages.sql).
    new.attachment_file_id := null;
    return new;
  end if;
  if new.body is distinct from old.body then
    if old.author_id is distinct from auth.uid() and auth.uid() is not null then
      raise exception 'Only the author edits a message.' using errcode = '42501';
    end if;
    new.edited_at := now();
  end if;
  return new;
end
$$;
revoke all on function private.messages_before_update() from public, anon, authenticated, service_role;

-- Runs after messages_before_insert (triggers fire in name order), which sets group_id.
create or replace function private.messages_check_attachment() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.attachment_resource_id is not null and not exists (
    select 1 from public.resources r
    where r.id = new.attachment_resource_id and r.group_id = new.group_id
  ) then
    raise exception 'The attachment is not a resource of this group.' using errcode = '23503';
  end if;
  return new;
end
$$;
revoke all on function private.messages_check_attachment() from public, anon, authenticated, service_role;

create or replace function private.messages_count_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.body is distinct from old.body or new.deleted_at is distinct from old.deleted_at
     or new.change_seq is distinct from old.change_seq then
    update public.channels set last_change = last_change + 1 where id = new.channel_id
    returning last_change into new.change_seq;
  end if;
  return new;
end
$$;
revoke all on function private.messages_count_change() from public, anon, authenticated, service_role;

-- New messages reach sockets through the database: the notification is queued at commit, and
-- commits of one channel happen in seq order (the channel row stays locked until then), so every
-- app process, and every client, sees a channel's messages in seq order. A message too large for
-- a notification (or with an attachment to look up) is announced by id and read back.
create or replace function private.messages_notify() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  payload text;
begin
  payload := json_build_object(
    'id', new.id, 'channelId', new.channel_id, 'groupId', new.group_id, 'seq', new.seq,
    'author', json_build_object('id', new.author_id, 'displayName', new.author_name),
    'clientId', new.client_id, 'body', new.body, 'createdAt', new.created_at,
    'threadRootId', new.thread_root_id, 'alsoInChannel', new.also_in_channel
  )::text;
  if octet_length(payload) > 7900 or new.attachment_resource_id is not null
     or new.attachment_file_id is not null then
    payload := json_build_object('fetch', new.id, 'groupId', new.group_id)::text;
  end if;
  perform pg_notify('tessera_messages', payload);
  return null;
end
$$;
revoke all on function private.messages_notify() from public, anon, authenticated, service_role;

create or replace function private.messages_record_mentions() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if position('@' in new.body) = 0 then
    return null;
  end if;
  insert into public.mentions (message_id, user_id, channel_id, seq, from_user_id)
  select new.id, m, new.channel_id, new.seq, new.author_id
  from unnest(private.mentioned_user_ids(new.body, new.group_id, new.author_id, new.channel_id)) m
  on conflict do nothing;
  return null;
end
$$;
revoke all on function private.messages_record_mentions() from public, anon, authenticated, service_role;

create or replace function private.messages_update_mentions() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  now_mentioned uuid[];
begin
  if new.body is not distinct from old.body and new.deleted_at is not distinct from old.deleted_at then
    return null;
  end if;
  now_mentioned := case when new.deleted_at is null
    then private.mentioned_user_ids(new.body, new.group_id, new.author_id, new.channel_id) else '{}' end;
  delete from public.mentions where message_id = new.id and not (user_id = any (now_mentioned));
  insert into public.mentions (message_id, user_id, channel_id, seq, from_user_id)
  select new.id, m, new.channel_id, new.seq, new.author_id from unnest(now_mentioned) m
  on conflict do nothing;
  return null;
end
$$;
revoke all on function private.messages_update_mentions() from public, anon, authenticated, service_role;

-- Realtime ----------------------------------------------------------------------------------------
-- Each app process listens on `tessera_membership` and re-reads the rooms of the named people
-- (group members, organisation admins, course staff; everyone for a change to the hierarchy), so a removal by any path, in any process,
-- takes the person out of the group's room within a second.
create or replace function private.notify_membership_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  ids uuid[];
  chunk uuid[];
begin
  if tg_table_name = 'groups' then
    perform pg_notify('tessera_membership', json_build_object('all', true)::text);
    return null;
  end if;
  -- One notification per 150 people (a payload stays under 8 kB), however many rows changed.
  if tg_op = 'INSERT' then
    select array_agg(distinct user_id) into ids from added;
  elsif tg_op = 'DELETE' then
    select array_agg(distinct user_id) into ids from removed;
  else
    select array_agg(distinct user_id) into ids
    from (select user_id from added union select user_id from removed) as changed;
  end if;
  for i in 0 .. coalesce(array_length(ids, 1), 0) / 150 loop
    chunk := ids[i * 150 + 1 : i * 150 + 150];
    if coalesce(array_length(chunk, 1), 0) > 0 then
      perform pg_notify('tessera_membership', json_build_object('userIds', chunk)::text);
    end if;
  end loop;
  return null;
end
$$;
revoke all on function private.notify_membership_change() from public, anon, authenticated, service_role;

-- The same rule for one group the user does not chat in: what the send trigger checks to tell a
-- reader "read only" rather than "no such channel".
create or replace function private.reads_chat_only_in(target uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.groups g
    where g.id = target and g.deleted_at is null and g.visibility <> 'hidden'
      and g.course_id = any (private.visible_mode_course_ids_array())
  ) and not private.can_chat_in(target)
$$;
revoke all on function private.reads_chat_only_in(target uuid) from public, anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger channels_before_write before update on public.channels
  for each row execute function private.channels_before_write();

create trigger enrolments_notify_delete after delete on public.enrolments
  referencing old table as removed for each statement execute function private.notify_membership_change();

create trigger enrolments_notify_insert after insert on public.enrolments
  referencing new table as added for each statement execute function private.notify_membership_change();

create trigger enrolments_notify_update after update on public.enrolments
  referencing old table as removed new table as added for each statement execute function private.notify_membership_change();

create trigger group_members_notify_delete after delete on public.group_members
  referencing old table as removed for each statement execute function private.notify_membership_change();

create trigger group_members_notify_insert after insert on public.group_members
  referencing new table as added for each statement execute function private.notify_membership_change();

create trigger group_members_notify_update after update on public.group_members
  referencing old table as removed new table as added for each statement execute function private.notify_membership_change();

create trigger groups_ensure_channels after insert or update of messaging_enabled on public.groups
  for each row execute function private.groups_ensure_channels();

create trigger groups_notify_move after update of parent_id on public.groups
  for each statement execute function private.notify_membership_change();

create trigger message_reactions_before_insert before insert on public.message_reactions
  for each row execute function private.message_reactions_before_insert();

create trigger message_reactions_changed_delete after delete on public.message_reactions
  referencing old table as old_rows for each statement execute function private.message_reactions_changed();

create trigger message_reactions_changed_insert after insert on public.message_reactions
  referencing new table as new_rows for each statement execute function private.message_reactions_changed();

create trigger messages_before_insert before insert on public.messages
  for each row execute function private.messages_before_insert();

create trigger messages_before_update before update on public.messages
  for each row execute function private.messages_before_update();

create trigger messages_check_attachment before insert or update of attachment_resource_id on public.messages
  for each row execute function private.messages_check_attachment();

-- After messages_before_update (triggers fire by name), which has settled body and deleted_at.
create trigger messages_count_change before update on public.messages
  for each row execute function private.messages_count_change();

create trigger messages_notify after insert on public.messages
  for each row execute function private.messages_notify();

create trigger messages_record_mentions after insert on public.messages
  for each row execute function private.messages_record_mentions();

-- A deleted message mentions nobody any more.
create trigger messages_update_mentions after update on public.messages
  for each row execute function private.messages_update_mentions();

create trigger organisation_members_notify_delete after delete on public.organisation_members
  referencing old table as removed for each statement execute function private.notify_membership_change();

create trigger organisation_members_notify_insert after insert on public.organisation_members
  referencing new table as added for each statement execute function private.notify_membership_change();

create trigger organisation_members_notify_update after update on public.organisation_members
  referencing old table as removed new table as added for each statement execute function private.notify_membership_change();

-- Policies ----------------------------------------------------------------------------------------

create policy "moderators add chat channels"
  on public.channels for insert to authenticated
  with check (
    kind = 'chat' and last_seq = 0 and archived_at is null and created_by = (select auth.uid())
    and ((select private.is_platform_admin()) or group_id = any ((select private.moderated_group_ids_array())::uuid[]))
  );

create policy "moderators rename and archive channels"
  on public.channels for update to authenticated
  using ((select private.is_platform_admin()) or group_id = any ((select private.moderated_group_ids_array())::uuid[]))
  with check ((select private.is_platform_admin()) or group_id = any ((select private.moderated_group_ids_array())::uuid[]));

create policy "people in a group's chat send messages as themselves"
  on public.messages for insert to authenticated
  with check (author_id = (select auth.uid()) and (select private.can_post_in(channel_id)));

create policy "authors edit and delete their messages and moderators delete any"
  on public.messages for update to authenticated
  using (
    (select private.is_platform_admin())
    or (author_id = (select auth.uid()) and group_id = any ((select private.chat_group_ids_array())::uuid[]))
    or group_id = any ((select private.moderated_group_ids_array())::uuid[])
  )
  with check (
    (select private.is_platform_admin())
    or (author_id = (select auth.uid()) and group_id = any ((select private.chat_group_ids_array())::uuid[]))
    or group_id = any ((select private.moderated_group_ids_array())::uuid[])
  );

create policy "people in a group's chat react as themselves"
  on public.message_reactions for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and ((group_id is not null and (select private.is_platform_admin())) or group_id = any ((select private.chat_group_ids_array())::uuid[]))
  );

create policy "people take back their own reactions"
  on public.message_reactions for delete to authenticated
  using (user_id = (select auth.uid()));

create policy "people see their own read positions"
  on public.channel_reads for select to authenticated
  using (user_id = (select auth.uid()));

create policy "people record their read position in channels they can read"
  on public.channel_reads for insert to authenticated
  with check (user_id = (select auth.uid()) and channel_id in (select id from public.channels));

create policy "people move their own read position"
  on public.channel_reads for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()) and channel_id in (select id from public.channels));

create policy "people see their mentions and the mentions they made"
  on public.mentions for select to authenticated
  using (user_id = (select auth.uid()) or from_user_id = (select auth.uid()));

create policy "members, their leaders and admins see a group's channels"
  on public.channels for select to authenticated
  using (
    ((select private.is_platform_admin()) and group_id <> all ((select private.binned_group_ids_array())::uuid[]))
    or group_id = any ((select private.chat_readable_group_ids_array())::uuid[])
  );

create policy "members, their leaders and admins read a group's messages"
  on public.messages for select to authenticated
  using (
    ((select private.is_platform_admin()) and group_id <> all ((select private.binned_group_ids_array())::uuid[]))
    or group_id = any ((select private.chat_readable_group_ids_array())::uuid[])
  );

create policy "people in a group's chat see its reactions"
  on public.message_reactions for select to authenticated
  using (
    ((select private.is_platform_admin()) and group_id <> all ((select private.binned_group_ids_array())::uuid[]))
    or group_id = any ((select private.chat_readable_group_ids_array())::uuid[])
  );

-- Threads -----------------------------------------------------------------------------------------
-- A reply answers a top-level message of its channel (public.messages.thread_root_id). Who reads
-- and posts replies is who reads and posts in the channel: replies are messages, under the same
-- policies. People follow a thread (docs/decisions.md, "Threads"): automatically when they write
-- its root, reply in it or are mentioned in it; by hand with Follow/Unfollow (following = false
-- remembers an unfollow, which only their next reply or mention undoes). Followers are told of
-- replies (13_notifications.sql, messages_thread_reply_notify).
create table public.thread_follows (
  root_id uuid not null references public.messages (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  -- Copied from the root by thread_follows_before_insert, so policies read it without a join.
  group_id uuid not null references public.groups (id) on delete cascade,
  following boolean not null default true,
  updated_at timestamptz not null default now(),
  primary key (root_id, user_id)
);
create index thread_follows_user_idx on public.thread_follows (user_id);
create index thread_follows_group_idx on public.thread_follows (group_id);
alter table public.thread_follows enable row level security;
alter table public.thread_follows force row level security;
revoke all on table public.thread_follows from anon, authenticated, service_role;
grant select on table public.thread_follows to anon;
grant select, insert on table public.thread_follows to authenticated;
grant update (following, updated_at) on table public.thread_follows to authenticated;
grant select, insert, update, delete on table public.thread_follows to service_role;

-- Case and accents folded the same way as the composer's picker: NFD, combining marks dropped,
-- lower case ("Inès" and "INES" are both "ines").
create or replace function private.fold_mention_text(value text) returns text
language sql immutable security definer set search_path = ''
as $$ select lower(regexp_replace(normalize(value, nfd), '[\u0300-\u036f]', '', 'g')) $$;
revoke all on function private.fold_mention_text(value text) from public, anon, authenticated, service_role;

-- "@channel" tells everyone in a group's chat: for its leaders (of it or an ancestor), its staff
-- and admins; a learner's "@channel" is plain text.
create or replace function private.may_mention_channel(target uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select auth.uid() is not null
    and (target = any (private.staff_group_ids_array()) or private.is_platform_admin())
$$;
revoke all on function private.may_mention_channel(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.may_mention_channel(target uuid) to authenticated, service_role;

-- The people the caller may mention in a channel (its group's chat participants, or the people in
-- a conversation of theirs; active accounts), for the composer's picker: nobody for a channel the
-- caller does not chat in.
create or replace function private.mentionable_people(target_channel uuid)
returns table (id uuid, display_name text)
language sql stable security definer set search_path = ''
as $$
  select u.id, u.display_name from (
    select p.id
    from public.channels c
    cross join lateral private.chat_participant_ids(c.group_id) as p(id)
    where c.id = target_channel and c.group_id is not null
      and (private.can_chat_in(c.group_id) or private.is_platform_admin())
    union
    select m.user_id from public.conversation_members m
    where m.channel_id = target_channel
      and exists (select 1 from public.conversation_members me
                  where me.channel_id = target_channel and me.user_id = auth.uid())
  ) p
  join public.users u on u.id = p.id and u.disabled_at is null
  order by u.display_name, u.id
$$;
revoke all on function private.mentionable_people(target_channel uuid) from public, anon, authenticated, service_role;
grant execute on function private.mentionable_people(target_channel uuid) to authenticated, service_role;

-- Threads do not nest: a reply's root is a top-level, undeleted message of the same channel.
-- Runs after messages_before_insert (by name), which has refused people who may not post.
create or replace function private.messages_check_thread() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  root public.messages;
begin
  -- An anonymous insert is refused by the policies; it learns nothing about the root here.
  if new.thread_root_id is null or auth.role() = 'anon' then
    return new;
  end if;
  select * into root from public.messages where id = new.thread_root_id;
  if not found or root.channel_id <> new.channel_id then
    raise exception 'This thread does not exist in this channel.' using errcode = '23503', hint = 'thread_not_found';
  end if;
  if root.thread_root_id is not null then
    raise exception 'Reply in the thread itself: a reply cannot have a thread of its own.'
      using errcode = '23514', hint = 'thread_nested';
  end if;
  if root.deleted_at is not null then
    raise exception 'This message was deleted: its thread takes no new replies.' using errcode = '23514', hint = 'thread_closed';
  end if;
  return new;
end
$$;
revoke all on function private.messages_check_thread() from public, anon, authenticated, service_role;

-- A reply makes its author follow the thread (again, after an unfollow), and the root's author and
-- the people the root mentions follow it unless they unfollowed; a new or deleted reply changes its
-- root (reply count), so catch-up returns the root again.
create or replace function private.messages_thread_follow() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.author_id is not null then
    insert into public.thread_follows (root_id, user_id, group_id)
    values (new.thread_root_id, new.author_id, new.group_id)
    on conflict (root_id, user_id) do update set following = true, updated_at = now()
    where not public.thread_follows.following;
    insert into public.thread_follows (root_id, user_id, group_id)
    select r.id, r.author_id, r.group_id from public.messages r
    where r.id = new.thread_root_id and r.author_id is not null
    union
    select mm.message_id, mm.user_id, new.group_id from public.mentions mm
    where mm.message_id = new.thread_root_id
    on conflict do nothing;
  end if;
  -- change_seq + 1 only marks the row; messages_count_change gives it the channel's number.
  update public.messages set change_seq = change_seq + 1
  where id = new.thread_root_id and deleted_at is null;
  return null;
end
$$;
revoke all on function private.messages_thread_follow() from public, anon, authenticated, service_role;

-- Being mentioned in a reply (when it is sent, or by an edit) follows its thread.
create or replace function private.mentions_follow_thread() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.thread_follows (root_id, user_id, group_id)
  select m.thread_root_id, new.user_id, m.group_id from public.messages m
  where m.id = new.message_id and m.thread_root_id is not null
  on conflict (root_id, user_id) do update set following = true, updated_at = now()
  where not public.thread_follows.following;
  return null;
end
$$;
revoke all on function private.mentions_follow_thread() from public, anon, authenticated, service_role;

-- A follow is of a root message, in the root's group.
create or replace function private.thread_follows_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select m.group_id into new.group_id from public.messages m
  where m.id = new.root_id and m.thread_root_id is null;
  if new.group_id is null then
    raise exception 'This thread does not exist.' using errcode = '23503', hint = 'thread_not_found';
  end if;
  new.updated_at := now();
  return new;
end
$$;
revoke all on function private.thread_follows_before_insert() from public, anon, authenticated, service_role;

create trigger messages_check_thread before insert on public.messages
  for each row execute function private.messages_check_thread();

-- After messages_record_mentions (by name): the root's mentions are recorded by then.
create trigger messages_thread_follow after insert or update of deleted_at on public.messages
  for each row when (new.thread_root_id is not null) execute function private.messages_thread_follow();

create trigger mentions_follow_thread after insert on public.mentions
  for each row execute function private.mentions_follow_thread();

create trigger thread_follows_before_insert before insert on public.thread_follows
  for each row execute function private.thread_follows_before_insert();

create policy "people see the threads they follow"
  on public.thread_follows for select to authenticated
  using (user_id = (select auth.uid()));

create policy "people follow threads they can read"
  on public.thread_follows for insert to authenticated
  with check (user_id = (select auth.uid()) and root_id in (select id from public.messages));

create policy "people follow and unfollow threads they can read"
  on public.thread_follows for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()) and root_id in (select id from public.messages));
