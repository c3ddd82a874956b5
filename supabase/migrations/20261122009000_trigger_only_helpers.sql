-- Later feature migrations end with `grant execute on all functions in schema private`, which
-- also re-granted helpers that only triggers may call (they run as the owner). This file sorts
-- after every feature migration and takes those grants back; a new trigger-only helper belongs
-- in this list.

revoke execute on function private.ensure_auto_leaders(uuid[]) from anon, authenticated, service_role;
revoke execute on function private.enforce_exclusive(uuid[], uuid[], text[]) from anon, authenticated, service_role;
revoke execute on function private.groupings_check_exclusive(uuid) from anon, authenticated, service_role;
revoke execute on function private.is_course_staff(uuid, uuid) from anon, authenticated, service_role;
revoke execute on function private.course_progress(uuid[], timestamptz) from anon, authenticated;
