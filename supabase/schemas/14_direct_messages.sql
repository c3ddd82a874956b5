-- Direct messages: one-to-one and small (up to 8 people) conversations. A conversation is a
-- channel of kind 'direct' that belongs to no group (09_channels.sql), so its messages, reactions,
-- read positions, edits, deletions, catch-up and the socket relay are the group channels' own; this
-- file adds who is in it, who may message whom, and the policies that let the people in a
-- conversation read and write it. Platform admins read every channel's messages (09_channels.sql)
-- and so every conversation's too, as the platform's operators; they do not post in them.
--
-- Who may message whom is one rule, private.may_message_between: people who share a non-hidden
-- group or a course; leaders and the people in the groups they lead; course staff and their
-- participants; organisation admins and their organisation's people. Two learners (neither staff
-- nor leader nor admin in that organisation) only while the organisation's
-- learners_message_learners is on. The rule is checked when a conversation starts and at every
-- message, so turning the switch off also closes learner-to-learner conversations.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.conversations: none
--   public.conversation_members: none
--   public.conversation_files:
--     conversation_files_before_insert: before insert, each row
--     conversation_files_queue_blob_deletion: after delete, each row
-- Triggers defined here on other areas' tables (listed at the top of their files):
--   public.messages: messages_check_file, messages_notify_direct, messages_remove_file

set check_function_bodies = off;

-- Conversations -----------------------------------------------------------------------------------
create table public.conversations (
  channel_id uuid primary key references public.channels (id) on delete cascade,
  -- The members' ids, sorted and joined: the same people again open the same conversation.
  member_key text not null unique,
  member_count integer not null check (member_count between 2 and 8),
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index conversations_created_by_idx on public.conversations (created_by);
alter table public.conversations enable row level security;
alter table public.conversations force row level security;
revoke all on table public.conversations from anon, authenticated, service_role;
grant select on table public.conversations to authenticated;
grant select, insert, update, delete on table public.conversations to service_role;

create table public.conversation_members (
  channel_id uuid not null references public.conversations (channel_id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  joined_at timestamptz not null default now(),
  primary key (channel_id, user_id)
);
create index conversation_members_user_idx on public.conversation_members (user_id);
alter table public.conversation_members enable row level security;
alter table public.conversation_members force row level security;
revoke all on table public.conversation_members from anon, authenticated, service_role;
grant select on table public.conversation_members to authenticated;
grant select, insert, update, delete on table public.conversation_members to service_role;

-- Files sent in conversations --------------------------------------------------------------------
-- A conversation has no group and so no library: a file sent in one is kept here, readable by the
-- people in it, counted against the conversation's storage (private.conversation_storage), and
-- removed with its message. A file uploaded but never sent is removed after a day
-- (private.remove_unsent_conversation_files, from the blob cleanup job).
create table public.conversation_files (
  id uuid primary key default gen_random_uuid(),
  channel_id uuid not null references public.conversations (channel_id) on delete cascade,
  blob_key text not null unique,
  filename text not null check (length(filename) between 1 and 255),
  content_type text not null check (length(content_type) between 3 and 100),
  size_bytes bigint not null check (size_bytes >= 0),
  added_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  check (blob_key = 'c/' || channel_id::text || '/' || id::text)
);
create index conversation_files_added_by_idx on public.conversation_files (added_by);
create index conversation_files_channel_idx on public.conversation_files (channel_id, created_at);
alter table public.conversation_files enable row level security;
alter table public.conversation_files force row level security;
revoke all on table public.conversation_files from anon, authenticated, service_role;
grant select, insert, delete on table public.conversation_files to authenticated;
grant select, insert, update, delete on table public.conversation_files to service_role;

alter table public.messages add constraint messages_attachment_file_fkey
  foreign key (attachment_file_id) references public.conversation_files (id) on delete set null;
create index messages_attachment_file_idx on public.messages (attachment_file_id) where attachment_file_id is not null;

-- Functions ---------------------------------------------------------------------------------------

-- The caller's conversations (their channel ids), read by the policies.
create or replace function private.conversation_ids_array() returns uuid[]
language sql stable security definer set search_path = ''
as $$
  select coalesce(array_agg(m.channel_id), '{}') from public.conversation_members m
  where m.user_id = auth.uid()
$$;
revoke all on function private.conversation_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.conversation_ids_array() to authenticated, service_role;

-- Whether a person is staff in an organisation: its admin, an instructor or assistant of one of
-- its courses, or a leader of one of its groups.
create or replace function private.is_staff_in(person uuid, organisation uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
      select 1 from public.organisation_members o
      where o.user_id = person and o.organisation_id = organisation and o.role = 'admin'
    )
    or exists (
      select 1 from public.enrolments e join public.courses c on c.id = e.course_id
      where e.user_id = person and c.organisation_id = organisation
        and e.status = 'active' and e.role in ('instructor', 'assistant')
    )
    or exists (
      select 1 from public.current_memberships m join public.groups g on g.id = m.group_id
      where m.user_id = person and g.organisation_id = organisation and m.role = 'leader'
    )
$$;
revoke all on function private.is_staff_in(person uuid, organisation uuid) from public, anon, authenticated, service_role;

-- The rule (symmetric): may `a` and `b` message each other? Both active accounts, and
--   a leader and someone in a group they lead (any depth, any visibility), or
--   an organisation admin and a member of that organisation, or
--   course staff and a participant of that course, or
--   two people in the same non-hidden group or course, when its organisation lets learners
--   message learners or either of them is staff there (a platform group has no organisation:
--   always).
create or replace function private.may_message_between(a uuid, b uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select a is not null and b is not null and a <> b
    and (select count(*) from public.users u where u.id in (a, b) and u.disabled_at is null) = 2
    and (
      exists (
        select 1 from public.current_memberships l
        join public.group_closure c on c.ancestor_id = l.group_id
        join public.current_memberships m on m.group_id = c.descendant_id
        where l.role = 'leader'
          and ((l.user_id = a and m.user_id = b) or (l.user_id = b and m.user_id = a))
      )
      or exists (
        select 1 from public.organisation_members x
        join public.organisation_members y on y.organisation_id = x.organisation_id
        where x.role = 'admin'
          and ((x.user_id = a and y.user_id = b) or (x.user_id = b and y.user_id = a))
      )
      or exists (
        select 1 from public.enrolments x
        join public.enrolments y on y.course_id = x.course_id
        where x.status = 'active' and y.status = 'active' and x.role in ('instructor', 'assistant')
          and ((x.user_id = a and y.user_id = b) or (x.user_id = b and y.user_id = a))
      )
      or exists (
        select 1 from public.effective_members x
        join public.effective_members y on y.group_id = x.group_id
        join public.groups g on g.id = x.group_id
        left join public.organisations o on o.id = g.organisation_id
        where x.user_id = a and y.user_id = b and g.visibility <> 'hidden'
          and (o.id is null or o.learners_message_learners
               or private.is_staff_in(a, o.id) or private.is_staff_in(b, o.id))
      )
      or exists (
        select 1 from public.enrolments x
        join public.enrolments y on y.course_id = x.course_id
        join public.courses c on c.id = x.course_id
        join public.organisations o on o.id = c.organisation_id
        where x.user_id = a and y.user_id = b and x.status = 'active' and y.status = 'active'
          and (o.learners_message_learners
               or private.is_staff_in(a, o.id) or private.is_staff_in(b, o.id))
      )
    )
$$;
revoke all on function private.may_message_between(a uuid, b uuid) from public, anon, authenticated, service_role;

-- Of these people, the ones the caller may message (the app's "Message" buttons ask this).
create or replace function private.messageable_ids(people uuid[]) returns uuid[]
language sql stable security definer set search_path = ''
as $$
  select coalesce(array_agg(distinct p), '{}') from unnest(people) p
  where private.may_message_between(auth.uid(), p)
$$;
revoke all on function private.messageable_ids(people uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.messageable_ids(people uuid[]) to authenticated, service_role;

-- The people the caller may message whose name contains `query` (folded as mentions are: "ines"
-- finds Inès), at most 20, for "New conversation": drawn from the caller's groups, the groups
-- they lead, their courses and the organisations they administer, then kept only where the rule
-- itself says yes. Names only: nobody's email.
create or replace function private.messageable_people(query text)
returns table (id uuid, display_name text)
language sql stable security definer set search_path = ''
as $$
  with candidates as (
    select y.user_id as id from public.effective_members x
    join public.effective_members y on y.group_id = x.group_id
    where x.user_id = auth.uid()
    union
    select m.user_id from public.current_memberships l
    join public.group_closure c on c.ancestor_id = l.group_id
    join public.current_memberships m on m.group_id = c.descendant_id
    where l.user_id = auth.uid() and l.role = 'leader'
    union
    select y.user_id from public.enrolments x
    join public.enrolments y on y.course_id = x.course_id
    where x.user_id = auth.uid() and x.status = 'active' and y.status = 'active'
    union
    select y.user_id from public.organisation_members x
    join public.organisation_members y on y.organisation_id = x.organisation_id
    where x.user_id = auth.uid() and x.role = 'admin'
  )
  select u.id, u.display_name
  from candidates c join public.users u on u.id = c.id
  where auth.uid() is not null and u.id <> auth.uid() and u.disabled_at is null
    and char_length(btrim(query)) between 1 and 100
    and position(private.fold_mention_text(btrim(query)) in private.fold_mention_text(u.display_name)) > 0
    and private.may_message_between(auth.uid(), u.id)
  order by u.display_name, u.id
  limit 20
$$;
revoke all on function private.messageable_people(query text) from public, anon, authenticated, service_role;
grant execute on function private.messageable_people(query text) to authenticated, service_role;

-- Why the caller may not post in a direct conversation, or null if they may: they must be in it,
-- and still allowed to message every other active member (read by post_refusal_for_row).
create or replace function private.direct_post_refusal(target uuid) returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  if uid is null then
    return null;
  end if;
  if not exists (select 1 from public.conversation_members m where m.channel_id = target and m.user_id = uid) then
    return 'not_found';
  end if;
  if exists (
    select 1 from public.conversation_members m
    join public.users u on u.id = m.user_id and u.disabled_at is null
    where m.channel_id = target and m.user_id <> uid and not private.may_message_between(uid, m.user_id)
  ) then
    return 'not_allowed';
  end if;
  return null;
end
$$;
revoke all on function private.direct_post_refusal(target uuid) from public, anon, authenticated, service_role;

-- Opens the caller's conversation with these people (the caller is added; at most 8 in all),
-- creating it when it does not exist yet. Refuses, naming nobody, when the caller may not message
-- one of them. The new members' sockets join its room (tessera_membership).
create or replace function private.start_conversation(people uuid[]) returns uuid
language plpgsql volatile security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  members uuid[];
  key text;
  found_id uuid;
begin
  if uid is null then
    raise exception 'Sign in first.' using errcode = '42501';
  end if;
  members := array(select distinct p from unnest(coalesce(people, '{}') || uid) p where p is not null order by p);
  if cardinality(members) < 2 then
    raise exception 'Choose at least one other person.' using errcode = '22023', hint = 'too_few';
  end if;
  if cardinality(members) > 8 then
    raise exception 'A conversation has at most 8 people.' using errcode = '22023', hint = 'too_many';
  end if;
  if exists (select 1 from unnest(members) p where p <> uid and not private.may_message_between(uid, p)) then
    raise exception 'You cannot message everyone you chose.' using errcode = '42501', hint = 'not_allowed';
  end if;
  key := array_to_string(members, ',');
  select c.channel_id into found_id from public.conversations c where c.member_key = key;
  if found_id is not null then
    return found_id;
  end if;
  -- Two people starting the same conversation at once: one insert wins, the other reads it.
  perform pg_advisory_xact_lock(hashtextextended('conversation:' || key, 0));
  select c.channel_id into found_id from public.conversations c where c.member_key = key;
  if found_id is not null then
    return found_id;
  end if;
  insert into public.channels (group_id, name, kind, created_by)
  values (null, 'direct', 'direct', uid) returning id into found_id;
  insert into public.conversations (channel_id, member_key, member_count, created_by)
  values (found_id, key, cardinality(members), uid);
  insert into public.conversation_members (channel_id, user_id) select found_id, unnest(members);
  perform pg_notify('tessera_membership', json_build_object('userIds', members)::text);
  return found_id;
end
$$;
revoke all on function private.start_conversation(people uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.start_conversation(people uuid[]) to authenticated, service_role;

-- Every new direct message tells the other people in the conversation (notifications_before_insert
-- applies each one's preference and never notifies the author).
create or replace function private.messages_notify_direct() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.notifications (user_id, kind, title, summary, link, actor_id, subject_id)
  select m.user_id, 'direct_message',
         left(coalesce(nullif(btrim(new.author_name), ''), 'Someone') || ' sent you a message', 300),
         left(new.body, 1000), '/messages/' || new.channel_id, new.author_id, new.id
  from public.conversation_members m
  where m.channel_id = new.channel_id and m.user_id is distinct from new.author_id
  on conflict do nothing;
  return null;
end
$$;
revoke all on function private.messages_notify_direct() from public, anon, authenticated, service_role;

-- A conversation's storage: what its files may take in all (256 MiB) and what they take now (0
-- for a conversation the caller is not in).
create or replace function private.conversation_storage(target uuid, out quota_bytes bigint, out used_bytes bigint)
language sql stable security definer set search_path = ''
as $$
  select 268435456::bigint,
         coalesce((select sum(f.size_bytes) from public.conversation_files f
                   where f.channel_id = target
                     and (auth.uid() is null or target = any (private.conversation_ids_array()))), 0)::bigint
$$;
revoke all on function private.conversation_storage(target uuid, OUT quota_bytes bigint, OUT used_bytes bigint) from public, anon, authenticated, service_role;
grant execute on function private.conversation_storage(target uuid, OUT quota_bytes bigint, OUT used_bytes bigint) to authenticated, service_role;

-- A file is added by someone who may post in the conversation, as themselves, within its storage.
-- The conversation's row is locked, so two uploads into one conversation queue here and the
-- second sees the first's bytes.
create or replace function private.conversation_files_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  storage record;
begin
  if auth.uid() is not null and (
    new.added_by is distinct from auth.uid() or private.direct_post_refusal(new.channel_id) is not null
  ) then
    raise exception 'You cannot send files in this conversation.' using errcode = '42501', hint = 'not_allowed';
  end if;
  perform 1 from public.conversations c where c.channel_id = new.channel_id for update;
  select * into storage from private.conversation_storage(new.channel_id);
  if storage.used_bytes + new.size_bytes > storage.quota_bytes then
    raise exception 'The conversation''s file storage is full.' using errcode = '23514', hint = 'quota_exceeded';
  end if;
  return new;
end
$$;
revoke all on function private.conversation_files_before_insert() from public, anon, authenticated, service_role;

-- A message in a conversation attaches only a file of that conversation (a group's message only a
-- resource of its group: messages_check_attachment, 09_channels.sql).
create or replace function private.messages_check_file() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.attachment_file_id is not null and not exists (
    select 1 from public.conversation_files f
    where f.id = new.attachment_file_id and f.channel_id = new.channel_id
  ) then
    raise exception 'The attachment is not a file of this conversation.' using errcode = '23503';
  end if;
  return new;
end
$$;
revoke all on function private.messages_check_file() from public, anon, authenticated, service_role;

-- Deleting a message deletes the file it carried (a conversation keeps no library).
create or replace function private.messages_remove_file() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  delete from public.conversation_files f where f.id = old.attachment_file_id;
  return null;
end
$$;
revoke all on function private.messages_remove_file() from public, anon, authenticated, service_role;

-- Files uploaded but never sent, a day on (called by the blob cleanup job; system only).
create or replace function private.remove_unsent_conversation_files() returns integer
language sql volatile security definer set search_path = ''
as $$
  with gone as (
    delete from public.conversation_files f
    where f.created_at < now() - interval '1 day'
      and not exists (select 1 from public.messages m where m.attachment_file_id = f.id)
    returning 1
  )
  select count(*)::int from gone
$$;
revoke all on function private.remove_unsent_conversation_files() from public, anon, authenticated, service_role;
grant execute on function private.remove_unsent_conversation_files() to service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger conversation_files_before_insert before insert on public.conversation_files
  for each row execute function private.conversation_files_before_insert();

create trigger conversation_files_queue_blob_deletion after delete on public.conversation_files
  for each row execute function private.resources_queue_blob_deletion();

create trigger messages_check_file before insert or update of attachment_file_id on public.messages
  for each row execute function private.messages_check_file();

create trigger messages_remove_file after update of deleted_at on public.messages
  for each row when (old.attachment_file_id is not null and new.deleted_at is not null)
  execute function private.messages_remove_file();

create trigger messages_notify_direct after insert on public.messages
  for each row when (new.group_id is null) execute function private.messages_notify_direct();

-- Policies ----------------------------------------------------------------------------------------

create policy "people see their conversations"
  on public.conversations for select to authenticated
  using ((select private.is_platform_admin()) or channel_id = any ((select private.conversation_ids_array())::uuid[]));

create policy "people see who is in their conversations"
  on public.conversation_members for select to authenticated
  using ((select private.is_platform_admin()) or channel_id = any ((select private.conversation_ids_array())::uuid[]));

create policy "people see the channels of their conversations"
  on public.channels for select to authenticated
  using (kind = 'direct' and id = any ((select private.conversation_ids_array())::uuid[]));

create policy "people read the messages of their conversations"
  on public.messages for select to authenticated
  using (group_id is null and channel_id = any ((select private.conversation_ids_array())::uuid[]));

create policy "people edit and delete their own messages in their conversations"
  on public.messages for update to authenticated
  using (
    group_id is null and author_id = (select auth.uid())
    and channel_id = any ((select private.conversation_ids_array())::uuid[])
  )
  with check (
    group_id is null and author_id = (select auth.uid())
    and channel_id = any ((select private.conversation_ids_array())::uuid[])
  );

create policy "people see reactions in their conversations"
  on public.message_reactions for select to authenticated
  using (
    group_id is null and message_id in (
      select m.id from public.messages m
      where m.group_id is null and m.channel_id = any ((select private.conversation_ids_array())::uuid[])
    )
  );

create policy "people react as themselves in conversations they may post in"
  on public.message_reactions for insert to authenticated
  with check (
    group_id is null and user_id = (select auth.uid())
    and (select private.can_post_in(m.channel_id) from public.messages m where m.id = message_id)
  );

create policy "people see the files of their conversations"
  on public.conversation_files for select to authenticated
  using (channel_id = any ((select private.conversation_ids_array())::uuid[]));

create policy "people send files as themselves in their conversations"
  on public.conversation_files for insert to authenticated
  with check (
    added_by = (select auth.uid())
    and channel_id = any ((select private.conversation_ids_array())::uuid[])
  );

create policy "people delete the files they sent"
  on public.conversation_files for delete to authenticated
  using (
    added_by = (select auth.uid())
    and channel_id = any ((select private.conversation_ids_array())::uuid[])
  );
