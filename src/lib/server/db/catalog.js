// @ts-check
// What a database's schema is, read from the catalog as comparable text: one row per table,
// column, constraint, index, function (with its body), trigger, policy, view, type, sequence and
// privilege of the app's schemas. Two databases built different ways (the migrations, the
// schema files) have the same schema exactly when their snapshots are equal.

/** @typedef {{ kind: string, name: string, definition: string }} CatalogEntry */

/**
 * @param {import('postgres').Sql | import('postgres').TransactionSql} sql a connection to the
 *   database to read, or a transaction in it
 * @param {string[]} [schemas]
 * @returns {Promise<Map<string, string>>} `kind name` → definition
 */
export async function readCatalog(sql, schemas = ['public', 'private']) {
	// With only pg_catalog on the path, every name the deparsers print is schema-qualified.
	const read = async (/** @type {import('postgres').TransactionSql} */ tx) => {
		await tx`set local search_path = pg_catalog`;
		/** @type {CatalogEntry[]} */
		const rows = await tx.unsafe(CATALOG_QUERY, [schemas]);
		return new Map(rows.map((row) => [`${row.kind} ${row.name}`, row.definition]));
	};
	return 'savepoint' in sql ? sql.savepoint(read) : sql.begin(read);
}

/**
 * The entries that differ between two snapshots, as readable lines.
 * @param {Map<string, string>} from @param {Map<string, string>} to
 */
export function compareCatalogs(from, to) {
	/** @type {string[]} */
	const lines = [];
	for (const [key, definition] of from) {
		if (!to.has(key)) lines.push(`only in the first: ${key}`);
		else if (to.get(key) !== definition) {
			lines.push(`differs: ${key}\n    first:  ${definition}\n    second: ${to.get(key)}`);
		}
	}
	for (const key of to.keys()) if (!from.has(key)) lines.push(`only in the second: ${key}`);
	return lines;
}

const CATALOG_QUERY = /* sql */ `
with ns as (
  select oid, nspname from pg_namespace where nspname = any($1::text[])
),
rel as (
  select c.oid, c.relname, c.relkind, n.nspname, c.relacl, c.relrowsecurity, c.relforcerowsecurity,
         c.reloptions, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as qname
  from pg_class c join ns n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'S', 'c')
),
acl_rows as (
  select 'schema' as what, n.nspname as name, a.grantee, a.privilege_type
  from ns n join pg_namespace x on x.oid = n.oid, aclexplode(x.nspacl) a
  union all
  select 'relation', r.qname, a.grantee, a.privilege_type
  from rel r, aclexplode(coalesce(r.relacl, acldefault((case when r.relkind = 'S' then 's' else 'r' end)::"char", (select relowner from pg_class where oid = r.oid)))) a
  union all
  select 'column', r.qname || '.' || quote_ident(att.attname), a.grantee, a.privilege_type
  from rel r join pg_attribute att on att.attrelid = r.oid and att.attnum > 0 and not att.attisdropped,
       aclexplode(att.attacl) a
  union all
  select 'function', quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         a.grantee, a.privilege_type
  from pg_proc p join ns n on n.oid = p.pronamespace, aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
  union all
  select 'type', quote_ident(n.nspname) || '.' || quote_ident(t.typname), a.grantee, a.privilege_type
  from pg_type t join ns n on n.oid = t.typnamespace, aclexplode(coalesce(t.typacl, acldefault('T'::"char", t.typowner))) a
  where t.typtype in ('c', 'e', 'd') and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
)
select 'relation' as kind, r.qname as name,
       concat_ws(' ', r.relkind::text, case when r.relrowsecurity then 'rls' end, case when r.relforcerowsecurity then 'forced' end,
                 array_to_string(r.reloptions, ','), case when r.relkind in ('v', 'm') then pg_get_viewdef(r.oid) end) as definition
from rel r
union all
select 'column', r.qname || '.' || quote_ident(a.attname),
       concat_ws(' ', format_type(a.atttypid, a.atttypmod), case when a.attnotnull then 'not null' end,
                 case when a.attidentity <> '' then 'identity ' || a.attidentity::text end,
                 case when a.attgenerated <> '' then 'generated' end,
                 'default ' || pg_get_expr(d.adbin, d.adrelid), 'collate ' || nullif(co.collname, 'default'))
from rel r join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
left join pg_collation co on co.oid = a.attcollation
union all
select 'constraint', r.qname || '.' || quote_ident(k.conname),
       pg_get_constraintdef(k.oid) || case when k.condeferrable then ' deferrable' else '' end || case when k.condeferred then ' initially deferred' else '' end
from rel r join pg_constraint k on k.conrelid = r.oid
union all
select 'index', r.qname || '.' || quote_ident(i.relname), pg_get_indexdef(i.oid)
from rel r join pg_index x on x.indrelid = r.oid join pg_class i on i.oid = x.indexrelid
union all
select 'function', quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       pg_get_functiondef(p.oid)
from pg_proc p join ns n on n.oid = p.pronamespace where p.prokind in ('f', 'p')
union all
select 'trigger', r.qname || '.' || quote_ident(t.tgname), pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
from rel r join pg_trigger t on t.tgrelid = r.oid and not t.tgisinternal
union all
select 'policy', r.qname || '.' || quote_ident(p.polname),
       concat_ws(' | ', case when p.polpermissive then 'permissive' else 'restrictive' end, p.polcmd::text,
                 (select string_agg(case when x = 0 then 'public' else x::regrole::text end, ',' order by 1) from unnest(p.polroles) x),
                 'using ' || pg_get_expr(p.polqual, p.polrelid), 'check ' || pg_get_expr(p.polwithcheck, p.polrelid))
from rel r join pg_policy p on p.polrelid = r.oid
union all
select 'type', quote_ident(n.nspname) || '.' || quote_ident(t.typname),
       t.typtype::text || ' ' || coalesce((select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum)
                                     from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0), '')
       || coalesce((select string_agg(e.enumlabel, ', ' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid), '')
from pg_type t join ns n on n.oid = t.typnamespace
where t.typtype in ('c', 'e', 'd') and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
union all
select 'sequence', quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       concat_ws(' ', format_type(s.seqtypid, null), s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
from pg_sequence s join pg_class c on c.oid = s.seqrelid join ns n on n.oid = c.relnamespace
union all
select 'grant', what || ' ' || name || ' to ' || case when grantee = 0 then 'public' else grantee::regrole::text end,
       string_agg(privilege_type, ', ' order by privilege_type)
from acl_rows
where grantee = 0 or grantee::regrole::text <> current_user
group by what, name, grantee
`;
