-- The attendance report (CONTRACT section 6) for one group, hand-written in SQLite SQL: the floor
-- that `report attendance` is measured against. Parameters: :g (group id), :f and :t (the range,
-- YYYY-MM-DD), :today (YYYY-MM-DD), :daily and :weekly (the group's minimum hours).
-- Same definitions as facilitator/reports.py: a member is due at an ended session whose local
-- date lies in their membership; no row counts as absent; weeks run from the joining week to the
-- last week of the range (or of the membership, or today's); excused neither breaks nor extends
-- the absence streak. Weeks are whole numbers of weeks since Monday 0001-01-01 (plain
-- arithmetic, as the report does: cheaper than building a date string for every day).
-- The due join is read from the attendance rows (sessions -> their rows -> each row's membership,
-- `m.group_id + 0` so the person index is used); due sessions without a row are added by the
-- membership x session join, which runs only when the periods' due count exceeds the rows found.
WITH found AS MATERIALIZED (
  SELECT a.participant_id AS pid, s.local_date AS d, s.started_at AS st, a.status AS status,
         CASE WHEN a.status IN ('present', 'late', 'left_early') THEN a.minutes ELSE 0 END AS minutes
  FROM sessions AS s
  JOIN attendance AS a ON a.session_id = s.id
  JOIN memberships AS m
    ON m.participant_id = a.participant_id AND m.group_id + 0 = s.group_id
   AND s.local_date >= m.joined AND (m."left" IS NULL OR s.local_date <= m."left")
  WHERE s.group_id = :g AND s.state = 'ended' AND s.local_date BETWEEN :f AND :t
),
held AS (
  SELECT COALESCE(SUM((
    SELECT COUNT(*) FROM sessions AS s
    WHERE s.group_id = m.group_id AND s.state = 'ended'
      AND s.local_date BETWEEN MAX(m.joined, :f) AND MIN(COALESCE(m."left", :t), :t))), 0) AS n
  FROM memberships AS m WHERE m.group_id = :g
),
due AS MATERIALIZED (
  SELECT * FROM found
  UNION ALL
  SELECT m.participant_id, s.local_date, s.started_at, 'absent', 0
  FROM memberships AS m
  JOIN sessions AS s
    ON s.group_id = m.group_id AND s.local_date >= m.joined
   AND (m."left" IS NULL OR s.local_date <= m."left")
  LEFT JOIN attendance AS a ON a.session_id = s.id AND a.participant_id = m.participant_id
  WHERE (SELECT n FROM held) > (SELECT COUNT(*) FROM found)
    AND m.group_id = :g AND s.state = 'ended' AND s.local_date BETWEEN :f AND :t AND a.id IS NULL
),
last AS (
  SELECT pid, MAX(st) AS la FROM due
  WHERE status IN ('present', 'late', 'left_early') GROUP BY pid
),
totals AS (
  SELECT due.pid, COUNT(*) AS sessions,
         SUM(status = 'present') AS present, SUM(status = 'late') AS late,
         SUM(status = 'excused') AS excused, SUM(status = 'absent') AS absent,
         SUM(status = 'left_early') AS left_early, SUM(minutes) AS minutes,
         SUM(status = 'absent' AND (last.la IS NULL OR st > last.la)) AS streak
  FROM due LEFT JOIN last ON last.pid = due.pid GROUP BY due.pid
),
days AS (
  SELECT pid, d, SUM(minutes) AS mins, MAX(status IN ('present', 'late', 'left_early')) AS att
  FROM due GROUP BY pid, d
),
day_below AS (
  SELECT pid, SUM(att AND mins < :daily * 60.0 - 1e-6) AS n FROM days GROUP BY pid
),
week_mins AS (
  SELECT pid, CAST((julianday(d) - julianday('0001-01-01')) / 7 AS INTEGER) AS wk,
         SUM(mins) AS mins
  FROM days GROUP BY pid, wk
),
members AS (
  SELECT p.id AS pid, p.name, p.external_id, m.joined, m."left"
  FROM memberships AS m JOIN participants AS p ON p.id = m.participant_id
  WHERE m.group_id = :g AND m.joined <= :t AND (m."left" IS NULL OR m."left" >= :f)
),
spans AS (
  SELECT pid, MAX(joined, :f) AS first, MIN(:t, :today, COALESCE("left", :t)) AS last
  FROM members
),
weeks(pid, wk, last) AS (
  SELECT pid, CAST((julianday(first) - julianday('0001-01-01')) / 7 AS INTEGER),
         CAST((julianday(last) - julianday('0001-01-01')) / 7 AS INTEGER)
  FROM spans WHERE first <= last
  UNION ALL
  SELECT pid, wk + 1, last FROM weeks WHERE wk + 1 <= last
),
week_below AS (
  SELECT w.pid, SUM(COALESCE(wm.mins, 0) < :weekly * 60.0 - 1e-6) AS n
  FROM weeks AS w LEFT JOIN week_mins AS wm ON wm.pid = w.pid AND wm.wk = w.wk
  GROUP BY w.pid
)
SELECT mb.name, mb.external_id, COALESCE(t.sessions, 0), COALESCE(t.present, 0),
       COALESCE(t.late, 0), COALESCE(t.excused, 0), COALESCE(t.absent, 0),
       COALESCE(t.left_early, 0), ROUND(COALESCE(t.minutes, 0) / 60.0, 2),
       COALESCE(db.n, 0), COALESCE(wb.n, 0), COALESCE(t.streak, 0)
FROM members AS mb
LEFT JOIN totals AS t ON t.pid = mb.pid
LEFT JOIN day_below AS db ON db.pid = mb.pid
LEFT JOIN week_below AS wb ON wb.pid = mb.pid
ORDER BY mb.name, mb.pid;
