-- Clients converge on edits, deletions and reactions made while they were away.
--
-- A channel counts its changes (channels.last_change) as it counts its messages: an edit, a
-- deletion or a reaction takes the channel's next change number under the channel's row lock,
-- in the changing transaction, and stamps it on the message (messages.change_seq). So change
-- numbers follow commit order, and a client that catches up with "after change N" gets every
-- message changed since, besides the new ones after its last seq.

alter table public.channels add column last_change bigint not null default 0 check (last_change >= 0);
alter table public.messages add column change_seq bigint not null default 0;
create index messages_channel_change_idx on public.messages (channel_id, change_seq) where change_seq > 0;

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
-- After messages_before_update (triggers fire by name), which has settled body and deleted_at.
create trigger messages_count_change before update on public.messages
  for each row execute function private.messages_count_change();

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
create trigger message_reactions_changed_insert after insert on public.message_reactions
  referencing new table as new_rows for each statement execute function private.message_reactions_changed();
create trigger message_reactions_changed_delete after delete on public.message_reactions
  referencing old table as old_rows for each statement execute function private.message_reactions_changed();

revoke all on function private.messages_count_change() from public, anon, authenticated, service_role;
revoke all on function private.message_reactions_changed() from public, anon, authenticated, service_role;

-- Mentions follow edits: an edit that adds "@Name" mentions that person (and the app tells
-- them), one that removes it takes the mention back, and a deletion takes them all back. One
-- definition of who a body mentions.
create or replace function private.mentioned_user_ids(body text, chat_group uuid, author uuid) returns uuid[]
language sql stable security definer set search_path = ''
as $$
  with candidates as (
    select u.id, char_length(u.display_name) as len, p.at
    from public.users u
    cross join lateral (select position(lower('@' || u.display_name) in lower(body)) as at) p
    where position('@' in body) > 0
      and u.id in (select private.chat_participant_ids(chat_group))
      and u.disabled_at is null
      and p.at > 0
      and substr(lower(body), p.at + 1 + char_length(u.display_name), 1) !~ '[[:alnum:]_]'
  )
  select coalesce(array_agg(c.id), '{}') from candidates c
  where c.id is distinct from author
    and not exists (select 1 from candidates longer where longer.at = c.at and longer.len > c.len)
$$;

create or replace function private.messages_record_mentions() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if position('@' in new.body) = 0 then
    return null;
  end if;
  insert into public.mentions (message_id, user_id, channel_id, seq, from_user_id)
  select new.id, m, new.channel_id, new.seq, new.author_id
  from unnest(private.mentioned_user_ids(new.body, new.group_id, new.author_id)) m
  on conflict do nothing;
  return null;
end
$$;

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
    then private.mentioned_user_ids(new.body, new.group_id, new.author_id) else '{}' end;
  delete from public.mentions where message_id = new.id and not (user_id = any (now_mentioned));
  insert into public.mentions (message_id, user_id, channel_id, seq, from_user_id)
  select new.id, m, new.channel_id, new.seq, new.author_id from unnest(now_mentioned) m
  on conflict do nothing;
  return null;
end
$$;
-- A deleted message mentions nobody any more.
create trigger messages_update_mentions after update on public.messages
  for each row execute function private.messages_update_mentions();

revoke all on function private.messages_update_mentions() from public, anon, authenticated, service_role;
revoke all on function private.mentioned_user_ids(text, uuid, uuid) from public, anon, authenticated;
