-- How many order x snapshot rows the fan-out join produces (its size, reported next to its time).
with

$periods_cte

select count(*) as fan_out_rows
from stg_orders
inner join periods
    on stg_orders.order_date > periods.window_start_date
    and stg_orders.order_date <= periods.as_of_date
where stg_orders.status in ('completed', 'refunded')
