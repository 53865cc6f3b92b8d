-- Rows a dbt run wrote after $after: every row carries its run's start in computed_at.
select count(*) as rows_written
from $model
where computed_at > cast('$after' as timestamp)
