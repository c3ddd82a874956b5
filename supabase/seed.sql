-- Demo data: a platform admin, two organisations with their admins, six courses with
-- instructors, and 300 learners with believable names. Every demo password is printed by
-- `npm run dev`; the hashes below are argon2id of those passwords.
--   admin@tessera.test                 demo-admin-2026
--   everyone else (@northfield.test, @harbour.test, learners) demo-pass-2026

insert into public.users (id, email, display_name, platform_role) values
  ('00000000-0000-4000-8000-000000000001', 'admin@tessera.test', 'Ada Admin', 'admin'),
  ('00000000-0000-4000-8000-000000000011', 'olivia.grant@northfield.test', 'Olivia Grant', 'user'),
  ('00000000-0000-4000-8000-000000000012', 'omar.haddad@harbour.test', 'Omar Haddad', 'user'),
  ('00000000-0000-4000-8000-000000000021', 'ines.moreau@northfield.test', 'Inès Moreau', 'user'),
  ('00000000-0000-4000-8000-000000000022', 'tomas.novak@northfield.test', 'Tomáš Novák', 'user'),
  ('00000000-0000-4000-8000-000000000023', 'priya.raman@northfield.test', 'Priya Raman', 'user'),
  ('00000000-0000-4000-8000-000000000024', 'kwame.mensah@harbour.test', 'Kwame Mensah', 'user'),
  ('00000000-0000-4000-8000-000000000025', 'hana.sato@harbour.test', 'Hana Sato', 'user'),
  ('00000000-0000-4000-8000-000000000026', 'liam.oconnor@harbour.test', 'Liam O''Connor', 'user'),
  ('00000000-0000-4000-8000-000000000031', 'sofia.ricci@northfield.test', 'Sofia Ricci', 'user');

with first_names(n, name) as (
  select row_number() over (), name from unnest(array[
    'Maya','Noah','Amara','Lucas','Zara','Mateo','Aisha','Elias','Freya','Kai','Leila','Oscar',
    'Chloé','Ravi','Nora','Jonas','Yuki','Samir','Ingrid','Diego','Mei','Felix','Anya','Tariq',
    'Ruth','Emeka','Clara','Arjun','Sienna','Bjørn','Lucía','Idris','Hannah','Kenji','Olga','Musa'
  ]) as name
), last_names(n, name) as (
  select row_number() over (), name from unnest(array[
    'Okafor','Lindqvist','Patel','Fernández','Kowalski','Nguyen','Haddad','Müller','Adeyemi',
    'Rossi','Tanaka','Byrne','Costa','Ivanova','Mbeki','Schmidt','Dubois','Khan','Larsen','Silva',
    'Hughes','Zhang','Nowak','Jensen','Ortiz'
  ]) as name
), learners as (
  select i,
    (select name from first_names where n = 1 + (i * 7) % 36) as first_name,
    (select name from last_names where n = 1 + (i * 11) % 25) as last_name
  from generate_series(1, 300) as i
)
insert into public.users (id, email, display_name)
select
  ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid,
  lower(translate(first_name || '.' || last_name,
    'éáíóúüöøçñšžčëäåÉÁÍÓÚÜÖØÇÑŠŽČ ''', 'eaiouuoocnszceaaEAIOUUOOCNSZC')) || i || '@learners.test',
  first_name || ' ' || last_name
from learners;

insert into public.user_passwords (user_id, hash)
select id, case when platform_role = 'admin'
  then '$argon2id$v=19$m=19456,t=2,p=1$Hvi8rQmCstYl6wn+6omgcw$IIzwmE+z7AgKl6pT+6j72xoPOjDKkXwBXkmvnE3droQ'
  else '$argon2id$v=19$m=19456,t=2,p=1$0xx2w5JHmcL4RuAZcarWNg$4x25gOeYiz+nbNBwv8z0wYiTYcUYcwJ+c4eDTV+MNAc'
end
from public.users;

insert into public.organisations (id, name, slug, description, created_by) values
  ('00000000-0000-4000-a000-000000000001', 'Northfield University', 'northfield',
   'A mid-sized university with a strong first-year programme.', '00000000-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-a000-000000000002', 'Harbour Coding School', 'harbour',
   'Evening and weekend courses for people changing careers into software.', '00000000-0000-4000-8000-000000000001');

insert into public.organisation_members (organisation_id, user_id, role) values
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000011', 'admin'),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-8000-000000000012', 'admin'),
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000021', 'member'),
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000022', 'member'),
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000023', 'member'),
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000031', 'member'),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-8000-000000000024', 'member'),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-8000-000000000025', 'member'),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-8000-000000000026', 'member');

insert into public.courses (id, organisation_id, code, name, description) values
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000001', 'BIO101', 'Foundations of Biology', 'Cells, genetics and evolution for first-year students.'),
  ('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-a000-000000000001', 'HIS210', 'Modern European History', 'Europe from 1789 to the present.'),
  ('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-a000-000000000001', 'DAT150', 'Data Literacy', 'Reading, questioning and presenting data.'),
  ('00000000-0000-4000-b000-000000000004', '00000000-0000-4000-a000-000000000002', 'WEB100', 'Web Foundations', 'HTML, CSS and how the web works.'),
  ('00000000-0000-4000-b000-000000000005', '00000000-0000-4000-a000-000000000002', 'JS200', 'JavaScript in Depth', 'The language, the browser and Node.'),
  ('00000000-0000-4000-b000-000000000006', '00000000-0000-4000-a000-000000000002', 'SQL110', 'Databases and SQL', 'Modelling data and querying it well.');

insert into public.enrolments (course_id, user_id, role) values
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-8000-000000000021', 'instructor'),
  ('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-8000-000000000022', 'instructor'),
  ('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-8000-000000000023', 'instructor'),
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-8000-000000000031', 'assistant'),
  ('00000000-0000-4000-b000-000000000004', '00000000-0000-4000-8000-000000000024', 'instructor'),
  ('00000000-0000-4000-b000-000000000005', '00000000-0000-4000-8000-000000000025', 'instructor'),
  ('00000000-0000-4000-b000-000000000006', '00000000-0000-4000-8000-000000000026', 'instructor');

-- Learners 1–150 study at Northfield, 151–300 at Harbour; each takes one to three courses.
insert into public.enrolments (course_id, user_id, role, status)
select
  ('00000000-0000-4000-b000-00000000000' || (case when i <= 150 then 0 else 3 end + c))::uuid,
  ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid,
  'learner',
  case when (i * 13 + c) % 29 = 0 then 'suspended' else 'active' end
from generate_series(1, 300) as i, generate_series(1, 3) as c
where c = 1 + i % 3 or (i % 4 = 0 and c = 1 + (i + 1) % 3) or (i % 9 = 0 and c = 1 + (i + 2) % 3);

-- Course groups in BIO101: four lab sections in an exclusive grouping, filled by name (every
-- tenth learner left out, so "Not in a group" has people in it); six project teams in a
-- grouping open for self sign-up until a month from now, four places each, the first to join
-- leading. Maya (learner 36) is in Lab B and in no team yet, so she can sign up.
insert into public.groups (id, scope, organisation_id, course_id, name, idnumber, description) values
  ('00000000-0000-4000-c000-000000000101', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Lab A', 'BIO101-LAB-A', 'Tuesdays 09:00, room B12.'),
  ('00000000-0000-4000-c000-000000000102', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Lab B', 'BIO101-LAB-B', 'Tuesdays 14:00, room B12.'),
  ('00000000-0000-4000-c000-000000000103', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Lab C', 'BIO101-LAB-C', 'Thursdays 09:00, room B14.'),
  ('00000000-0000-4000-c000-000000000104', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Lab D', 'BIO101-LAB-D', 'Thursdays 14:00, room B14.'),
  ('00000000-0000-4000-c000-000000000111', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 1', null, ''),
  ('00000000-0000-4000-c000-000000000112', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 2', null, ''),
  ('00000000-0000-4000-c000-000000000113', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 3', null, ''),
  ('00000000-0000-4000-c000-000000000114', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 4', null, ''),
  ('00000000-0000-4000-c000-000000000115', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 5', null, ''),
  ('00000000-0000-4000-c000-000000000116', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 6', null, ''),
  ('00000000-0000-4000-c000-000000000121', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Field trip volunteers', null, 'Not part of any grouping.');

insert into public.groupings (id, course_id, name, idnumber, description, exclusive, signup_open, signup_size_limit, signup_closes_at, auto_leader) values
  ('00000000-0000-4000-c000-000000000201', '00000000-0000-4000-b000-000000000001', 'Lab sections', 'BIO101-LABS', 'Each learner attends one lab section.', true, false, null, null, 'none'),
  ('00000000-0000-4000-c000-000000000202', '00000000-0000-4000-b000-000000000001', 'Project teams', 'BIO101-TEAMS', 'Teams of four for the ecology project: pick your own.', true, true, 4, now() + interval '30 days', 'first');

insert into public.grouping_groups (grouping_id, group_id)
select '00000000-0000-4000-c000-000000000201'::uuid, ('00000000-0000-4000-c000-00000000010' || n)::uuid from generate_series(1, 4) n
union all
select '00000000-0000-4000-c000-000000000202'::uuid, ('00000000-0000-4000-c000-00000000011' || n)::uuid from generate_series(1, 6) n;

with bio as (
  select e.user_id, row_number() over (order by u.display_name, u.id) as n
  from public.enrolments e join public.users u on u.id = e.user_id
  where e.course_id = '00000000-0000-4000-b000-000000000001' and e.role = 'learner' and e.status = 'active'
    and e.user_id <> '00000000-0000-4000-9000-000000000036'
)
insert into public.group_members (group_id, user_id, source)
select ('00000000-0000-4000-c000-00000000010' || (1 + (n - 1) * 4 / (select count(*) from bio)))::uuid, user_id, 'auto'
from bio where n % 10 <> 0
union all
select '00000000-0000-4000-c000-000000000102', '00000000-0000-4000-9000-000000000036', 'manual';

with bio as (
  select e.user_id, row_number() over (order by e.user_id) as n
  from public.enrolments e
  where e.course_id = '00000000-0000-4000-b000-000000000001' and e.role = 'learner' and e.status = 'active'
    and e.user_id <> '00000000-0000-4000-9000-000000000036'
)
insert into public.group_members (group_id, user_id, source)
select ('00000000-0000-4000-c000-00000000011' || (1 + (n - 1) / 3))::uuid, user_id, 'self'
from bio where n <= 11;

insert into public.group_members (group_id, user_id, source) values
  ('00000000-0000-4000-c000-000000000121', '00000000-0000-4000-9000-000000000036', 'manual');
-- A study circle at Northfield with a conversation in its general channel (channels are made by
-- the groups trigger), so the chat has something to show: Inès leads it, Maya is a member.
insert into public.groups (id, scope, organisation_id, kind, name, description, created_by) values
  ('00000000-0000-4000-c000-000000000001', 'organisation', '00000000-0000-4000-a000-000000000001',
   'study group', 'BIO101 Study Circle', 'Weekly revision for Foundations of Biology.',
   '00000000-0000-4000-8000-000000000011');

insert into public.group_members (group_id, user_id, role)
select '00000000-0000-4000-c000-000000000001'::uuid, ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid, 'member'
from generate_series(30, 42) as i
union all
select '00000000-0000-4000-c000-000000000001'::uuid, '00000000-0000-4000-8000-000000000021'::uuid, 'leader';

insert into public.messages (channel_id, author_id, client_id, body)
select c.id, m.author::uuid, gen_random_uuid(), m.body
from public.channels c,
  (values
    (1, '00000000-0000-4000-8000-000000000021', 'Welcome to the study circle! We meet on **Thursdays at 17:00** in room B2.'),
    (2, '00000000-0000-4000-9000-000000000036', 'Thanks! Is the cell biology quiz open-book?'),
    (3, '00000000-0000-4000-8000-000000000021', 'No, closed book. The _practice quiz_ is open until Friday.'),
    (4, '00000000-0000-4000-9000-000000000031', '@Maya Zhang I made flashcards for chapter 3, happy to share: https://example.org/flashcards'),
    (5, '00000000-0000-4000-9000-000000000036', 'Yes please! Does anyone remember what `ATP synthase` does?')
  ) as m (n, author, body)
where c.group_id = '00000000-0000-4000-c000-000000000001' and c.name = 'general'
order by m.n;

-- Announcements and a library for the study circle: a pinned welcome and a note from Inès, and
-- links in folders (files need the blob store, so the demo has links only).
insert into public.announcements (group_id, author_id, title, body, pinned, publish_at, published_at) values
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-8000-000000000021',
   'Welcome to the study circle',
   E'We meet every Thursday at 17:00 in room B2.\nBring one question from this week''s lecture.',
   true, now() - interval '6 days', now() - interval '6 days'),
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-8000-000000000021',
   'Past papers are in Resources',
   'The 2025 mid-term paper is in the Past papers folder. Try it before Thursday.',
   false, now() - interval '1 day', now() - interval '1 day');

insert into public.resources (group_id, kind, title, description, url, folder, tags, added_by, created_at) values
  ('00000000-0000-4000-c000-000000000001', 'link', 'Cell biology animations',
   'Short animations of mitosis and meiosis.', 'https://www.khanacademy.org/science/biology',
   'Week 1', '{cells,video}', '00000000-0000-4000-8000-000000000021', now() - interval '5 days'),
  ('00000000-0000-4000-c000-000000000001', 'link', 'Mid-term 2025 (past paper)', '',
   'https://example.org/bio101/midterm-2025.pdf', 'Past papers', '{exam}',
   '00000000-0000-4000-8000-000000000021', now() - interval '1 day'),
  ('00000000-0000-4000-c000-000000000001', 'link', 'Genetics flashcards',
   '60 cards on chapter 3.', 'https://example.org/flashcards',
   'Week 2', '{genetics,revision}', '00000000-0000-4000-9000-000000000031', now() - interval '3 hours');
