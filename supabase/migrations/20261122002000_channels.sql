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

-- The same rule for one group, as point lookups: what a send checks (one row, many times a
-- second), where building the whole set would cost more than the insert itself.
create or replace function private.can_chat_in(target uuid) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  if uid is null then
    return false;
  end if;
  return exists (
      select 1 from public.group_closure c
      join public.group_members m on m.group_id = c.descendant_id
      join public.groups g on g.id = c.ancestor_id
      where c.ancestor_id = target and m.user_id = uid and g.visibility <> 'hidden'
        and m.valid_from <= now() and m.valid_until > now()
    )
    or exists (
      select 1 from public.group_closure c
      join public.group_members m on m.group_id = c.ancestor_id
      where c.descendant_id = target and m.user_id = uid and m.role = 'leader'
        and m.valid_from <= now() and m.valid_until > now()
    )
    or target = any (private.managed_group_ids_array())
    or private.is_platform_admin();
end
$$;

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
    select g.id from public.groups g where g.leaders_moderate and g.id = any (led)
  );
end
$$;

-- Who may post in a group's announcements channel: admins, and leaders where the group lets
-- its leaders post announcements.
create or replace function private.announcer_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  led uuid[] := private.led_group_ids_array();
  managed uuid[] := private.managed_group_ids_array();
begin
  return array(
    select unnest(managed)
    union
    select g.id from public.groups g where g.leaders_post_announcements and g.id = any (led)
  );
end
$$;

-- The people who take part in a group's chat (for mentions): its effective members and the
-- leaders of it and its ancestors.
create or replace function private.chat_participant_ids(target uuid) returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select m.user_id from public.group_closure c
  join public.group_members m on m.group_id = c.descendant_id
  where c.ancestor_id = target and m.valid_from <= now() and m.valid_until > now()
    and exists (select 1 from public.groups g where g.id = target and g.visibility <> 'hidden')
  union
  select m.user_id from public.group_closure c
  join public.group_members m on m.group_id = c.ancestor_id
  where c.descendant_id = target and m.role = 'leader' and m.valid_from <= now() and m.valid_until > now()
$$;

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
    select m.valid_until as t from public.group_members m
    where m.user_id = uid and m.valid_until > now() and m.valid_until <> 'infinity'
    union all
    select m.valid_from from public.group_members m
    where m.user_id = uid and m.valid_from > now()
  ) as changes;
end
$$;

-- Channels ----------------------------------------------------------------------------------------

create table public.channels (
  id uuid primary key default gen_random_uuid(),
  group_id uuid not null references public.groups (id) on delete cascade,
  name text not null check (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  kind text not null default 'chat' check (kind in ('chat', 'announcements')),
  archived_at timestamptz,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_seq bigint not null default 0 check (last_seq >= 0),
  unique (group_id, name)
);
-- One announcements channel per group.
create unique index channels_one_announcements_idx on public.channels (group_id) where kind = 'announcements';
alter table public.channels enable row level security;
alter table public.channels force row level security;

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
create trigger groups_ensure_channels after insert or update of messaging_enabled on public.groups
  for each row execute function private.groups_ensure_channels();

insert into public.channels (group_id, name, kind, created_by)
select g.id, c.name, c.kind, g.created_by
from public.groups g
cross join (values ('general', 'chat'), ('announcements', 'announcements')) as c (name, kind)
where g.messaging_enabled
on conflict do nothing;

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
create trigger channels_before_write before update on public.channels
  for each row execute function private.channels_before_write();

create trigger channels_audit after insert or update of name, archived_at on public.channels
  for each row execute function private.audit_group_change();

-- Messages ----------------------------------------------------------------------------------------

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  channel_id uuid not null references public.channels (id) on delete cascade,
  -- Copied from the channel by the insert trigger, so policies read it without a join.
  group_id uuid not null references public.groups (id) on delete cascade,
  seq bigint not null,
  author_id uuid references public.users (id) on delete set null,
  -- The author's name when read: kept in step with users.display_name by a trigger, so members
  -- see who wrote what without being able to list the group's members.
  author_name text not null default '',
  client_id uuid not null,
  body text not null check (char_length(body) <= 4000),
  -- The foreign key to resources is added with the resources table.
  attachment_resource_id uuid,
  edited_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  search tsvector generated always as (to_tsvector('simple', body)) stored,
  unique (channel_id, seq),
  unique (author_id, client_id),
  check (deleted_at is not null or char_length(btrim(body)) >= 1)
);
create index messages_group_idx on public.messages (group_id);
create index messages_search_idx on public.messages using gin (search);
create index messages_attachment_idx on public.messages (attachment_resource_id) where attachment_resource_id is not null;
alter table public.messages enable row level security;
alter table public.messages force row level security;

-- Assigns the next seq of an open channel. A retried send (same author and client id) inserts
-- nothing, before taking a number, so retries never leave a gap; the caller reads the original.
create or replace function private.messages_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  channel public.channels;
  messaging boolean;
begin
  if exists (select 1 from public.messages where author_id = new.author_id and client_id = new.client_id) then
    return null;
  end if;
  select * into channel from public.channels where id = new.channel_id;
  -- Someone outside the group learns nothing about its channels, not even that one is closed.
  if not found or (auth.uid() is not null and not private.can_chat_in(channel.group_id)) then
    raise exception 'This channel does not exist.' using errcode = '23503';
  end if;
  if channel.archived_at is not null then
    raise exception 'This channel is archived: it takes no new messages.' using errcode = '23514', hint = 'channel_closed';
  end if;
  select g.messaging_enabled into messaging from public.groups g where g.id = channel.group_id;
  if not messaging then
    raise exception 'Messaging is turned off in this group.' using errcode = '23514', hint = 'channel_closed';
  end if;
  if channel.kind = 'announcements' and not (
    private.is_platform_admin() or channel.group_id = any (private.announcer_group_ids_array())
  ) then
    raise exception 'Only leaders and admins post in announcements.' using errcode = '42501', hint = 'announcers_only';
  end if;
  update public.channels set last_seq = last_seq + 1 where id = new.channel_id returning last_seq into new.seq;
  new.group_id := channel.group_id;
  new.author_name := coalesce((select u.display_name from public.users u where u.id = new.author_id), '');
  new.edited_at := null;
  new.deleted_at := null;
  new.created_at := now();
  return new;
end
$$;
create trigger messages_before_insert before insert on public.messages
  for each row execute function private.messages_before_insert();

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
create trigger messages_before_update before update on public.messages
  for each row execute function private.messages_before_update();

create or replace function private.users_rename_messages() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.messages set author_name = new.display_name where author_id = new.id;
  return null;
end
$$;
create trigger users_rename_messages after update of display_name on public.users
  for each row when (new.display_name is distinct from old.display_name)
  execute function private.users_rename_messages();

-- Reactions, read positions, mentions -----------------------------------------------------------

create table public.message_reactions (
  message_id uuid not null references public.messages (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  emoji text not null check (char_length(emoji) between 1 and 16 and emoji !~ '\s'),
  group_id uuid not null references public.groups (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (message_id, user_id, emoji)
);
create index message_reactions_group_idx on public.message_reactions (group_id);
create index message_reactions_user_idx on public.message_reactions (user_id);
alter table public.message_reactions enable row level security;
alter table public.message_reactions force row level security;

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
create trigger message_reactions_before_insert before insert on public.message_reactions
  for each row execute function private.message_reactions_before_insert();

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

create table public.mentions (
  message_id uuid not null references public.messages (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  channel_id uuid not null references public.channels (id) on delete cascade,
  seq bigint not null,
  from_user_id uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (message_id, user_id)
);
create index mentions_user_idx on public.mentions (user_id, channel_id, seq);
create index mentions_from_idx on public.mentions (from_user_id);
alter table public.mentions enable row level security;
alter table public.mentions force row level security;

-- `@Display Name` in a new message mentions that person if they take part in the group's chat
-- (the longest name wins where one is a prefix of another: "@Ann Lee" is not "@Ann").
create or replace function private.messages_record_mentions() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if position('@' in new.body) = 0 then
    return null;
  end if;
  with candidates as (
    select u.id, char_length(u.display_name) as len, p.at
    from public.users u
    cross join lateral (select position(lower('@' || u.display_name) in lower(new.body)) as at) p
    where u.id in (select private.chat_participant_ids(new.group_id))
      and u.disabled_at is null
      and p.at > 0
      and substr(lower(new.body), p.at + 1 + char_length(u.display_name), 1) !~ '[[:alnum:]_]'
  )
  insert into public.mentions (message_id, user_id, channel_id, seq, from_user_id)
  select new.id, c.id, new.channel_id, new.seq, new.author_id
  from candidates c
  where c.id is distinct from new.author_id
    and not exists (select 1 from candidates longer where longer.at = c.at and longer.len > c.len)
  on conflict do nothing;
  return null;
end
$$;
create trigger messages_record_mentions after insert on public.messages
  for each row execute function private.messages_record_mentions();

-- Privileges ------------------------------------------------------------------------------------

revoke update, delete on public.channels, public.messages, public.message_reactions, public.channel_reads,
  public.mentions from anon, authenticated;
grant update (name, archived_at) on public.channels to authenticated;
grant update (body, deleted_at) on public.messages to authenticated;
grant delete on public.message_reactions to authenticated;
grant update (last_read_seq, updated_at) on public.channel_reads to authenticated;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

-- Policies ----------------------------------------------------------------------------------------

create policy "members, their leaders and admins see a group's channels"
  on public.channels for select to authenticated
  using ((select private.is_platform_admin()) or group_id = any ((select private.chat_group_ids_array())::uuid[]));

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

create policy "members, their leaders and admins read a group's messages"
  on public.messages for select to authenticated
  using ((select private.is_platform_admin()) or group_id = any ((select private.chat_group_ids_array())::uuid[]));

create policy "people in a group's chat send messages as themselves"
  on public.messages for insert to authenticated
  with check (author_id = (select auth.uid()) and (select private.can_chat_in(group_id)));

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

create policy "people in a group's chat see its reactions"
  on public.message_reactions for select to authenticated
  using ((select private.is_platform_admin()) or group_id = any ((select private.chat_group_ids_array())::uuid[]));

create policy "people in a group's chat react as themselves"
  on public.message_reactions for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and ((select private.is_platform_admin()) or group_id = any ((select private.chat_group_ids_array())::uuid[]))
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
create trigger group_members_notify_insert after insert on public.group_members
  referencing new table as added for each statement execute function private.notify_membership_change();
create trigger group_members_notify_update after update on public.group_members
  referencing old table as removed new table as added for each statement execute function private.notify_membership_change();
create trigger group_members_notify_delete after delete on public.group_members
  referencing old table as removed for each statement execute function private.notify_membership_change();
create trigger organisation_members_notify_insert after insert on public.organisation_members
  referencing new table as added for each statement execute function private.notify_membership_change();
create trigger organisation_members_notify_update after update on public.organisation_members
  referencing old table as removed new table as added for each statement execute function private.notify_membership_change();
create trigger organisation_members_notify_delete after delete on public.organisation_members
  referencing old table as removed for each statement execute function private.notify_membership_change();
create trigger enrolments_notify_insert after insert on public.enrolments
  referencing new table as added for each statement execute function private.notify_membership_change();
create trigger enrolments_notify_update after update on public.enrolments
  referencing old table as removed new table as added for each statement execute function private.notify_membership_change();
create trigger enrolments_notify_delete after delete on public.enrolments
  referencing old table as removed for each statement execute function private.notify_membership_change();
create trigger groups_notify_move after update of parent_id on public.groups
  for each statement execute function private.notify_membership_change();

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
    'clientId', new.client_id, 'body', new.body, 'createdAt', new.created_at
  )::text;
  if octet_length(payload) > 7900 or new.attachment_resource_id is not null then
    payload := json_build_object('fetch', new.id, 'groupId', new.group_id)::text;
  end if;
  perform pg_notify('tessera_messages', payload);
  return null;
end
$$;
create trigger messages_notify after insert on public.messages
  for each row execute function private.messages_notify();

-- Large broadcasts between app processes (@socket.io/postgres-adapter) pass through this table;
-- only the system role reads and writes it.
create table private.socket_io_attachments (
  id bigserial unique,
  created_at timestamptz default now(),
  payload bytea
);
grant select, insert, delete on private.socket_io_attachments to service_role;
grant usage on sequence private.socket_io_attachments_id_seq to service_role;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;
