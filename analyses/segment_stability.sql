-- Are last period's Champions still Champions? For each snapshot and the segment customers held at the
-- previous snapshot: how many kept it, moved elsewhere, and the share that stayed.
with

history as (

    select * from {{ ref('customer_rfm_history') }}

),

with_previous as (

    select
        customer_id,
        snapshot_date,
        segment,
        lag(segment) over (partition by customer_id order by snapshot_date) as previous_segment
    from history

),

final as (

    select
        snapshot_date,
        previous_segment,
        count(*) as customers,
        sum(case when segment = previous_segment then 1 else 0 end) as stayed,
        round(avg(case when segment = previous_segment then 1.0 else 0.0 end), 4) as share_stayed
    from with_previous
    where previous_segment is not null
    group by
        snapshot_date,
        previous_segment

)

select * from final
order by snapshot_date, previous_segment
