-- A synced group's members come only from its external source (or the system), so nobody may
-- hang a sub-group under it that people join another way: its members would count as members
-- of the synced group. Sub-groups of synced (or rule-based) groups must be synced or rule-based.
create or replace function private.groups_guard_synced_parent() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.parent_id is not null
     and new.membership_mode not in ('sync', 'rule')
     and exists (
       select 1 from public.groups p where p.id = new.parent_id and p.membership_mode in ('sync', 'rule')
     ) then
    raise exception 'A sub-group of a synced group must be synced too: its members would count as members of the synced group.'
      using errcode = '23514';
  end if;
  return new;
end
$$;
create trigger groups_guard_synced_parent before insert or update of parent_id, membership_mode on public.groups
  for each row execute function private.groups_guard_synced_parent();

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;
