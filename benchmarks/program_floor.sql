-- The program report's core (CONTRACT section 9), hand-written in SQLite SQL: the floor that
-- `report program` is measured against. Per person, per local day, the service minutes summed
-- over every group's ended sessions they were due at, and whether they attended any of them.
-- Parameters: :f and :t (the range, YYYY-MM-DD). Same definitions as facilitator/reports/due.py.
SELECT m.participant_id AS pid, s.local_date AS d,
       SUM(CASE WHEN a.status IN ('present', 'late', 'left_early')
                THEN COALESCE(a.minutes, 0) ELSE 0 END) AS minutes,
       MAX(COALESCE(a.status, 'absent') IN ('present', 'late', 'left_early')) AS attended
FROM sessions AS s
JOIN memberships AS m
  ON m.group_id = s.group_id AND s.local_date >= m.joined
 AND (m."left" IS NULL OR s.local_date <= m."left")
LEFT JOIN attendance AS a ON a.session_id = s.id AND a.participant_id = m.participant_id
WHERE s.state = 'ended' AND s.local_date BETWEEN :f AND :t
GROUP BY m.participant_id, s.local_date;
