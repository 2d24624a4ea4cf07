-- The program report's core (CONTRACT section 9), hand-written in SQLite SQL: the floor that
-- `report program` is measured against. Per person, per local day, the service minutes summed
-- over every group's ended sessions they were due at, and whether they attended any of them.
-- Parameters: :f and :t (the range, YYYY-MM-DD). Same definitions as facilitator/reports/due.py.
-- The due join is read from the attendance rows (sessions -> their rows -> each row's membership,
-- `m.group_id + 0` so the person index is used); due sessions without a row are added by the
-- membership x session join, which runs only when the periods' due count exceeds the rows found.
WITH found AS MATERIALIZED (
  SELECT a.participant_id AS pid, s.local_date AS d, a.status AS status,
         CASE WHEN a.status IN ('present', 'late', 'left_early') THEN a.minutes ELSE 0 END AS minutes
  FROM sessions AS s
  JOIN attendance AS a ON a.session_id = s.id
  JOIN memberships AS m
    ON m.participant_id = a.participant_id AND m.group_id + 0 = s.group_id
   AND s.local_date >= m.joined AND (m."left" IS NULL OR s.local_date <= m."left")
  WHERE s.state = 'ended' AND s.local_date BETWEEN :f AND :t
),
held AS (
  SELECT COALESCE(SUM((
    SELECT COUNT(*) FROM sessions AS s
    WHERE s.group_id = m.group_id AND s.state = 'ended'
      AND s.local_date BETWEEN MAX(m.joined, :f) AND MIN(COALESCE(m."left", :t), :t))), 0) AS n
  FROM memberships AS m
),
due AS (
  SELECT * FROM found
  UNION ALL
  SELECT m.participant_id, s.local_date, 'absent', 0
  FROM memberships AS m
  JOIN sessions AS s
    ON s.group_id = m.group_id AND s.local_date >= m.joined
   AND (m."left" IS NULL OR s.local_date <= m."left")
  LEFT JOIN attendance AS a ON a.session_id = s.id AND a.participant_id = m.participant_id
  WHERE (SELECT n FROM held) > (SELECT COUNT(*) FROM found)
    AND s.state = 'ended' AND s.local_date BETWEEN :f AND :t AND a.id IS NULL
)
SELECT pid, d, SUM(minutes) AS minutes, MAX(status IN ('present', 'late', 'left_early')) AS attended
FROM due
GROUP BY pid, d;
