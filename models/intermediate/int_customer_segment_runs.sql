{#- Time in segment: a run is an unbroken sequence of snapshots in one segment. Histories cover consecutive
    periods, so counting a run's rows counts its periods. -#}

with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

with_previous as (

    select
        customer_id,
        snapshot_date,
        segment,
        lag(segment) over (partition by customer_id order by snapshot_date) as previous_segment
    from rfm_history

),

numbered_runs as (

    -- A run starts where the segment differs from the snapshot before; a running count of starts numbers it.
    select
        *,
        sum(case when previous_segment is null or previous_segment <> segment then 1 else 0 end) over (
            partition by customer_id
            order by snapshot_date
            rows between unbounded preceding and current row
        ) as segment_run
    from with_previous

),

run_positions as (

    select
        *,
        min(snapshot_date) over (partition by customer_id, segment_run) as segment_entered_date,
        row_number() over (partition by customer_id, segment_run order by snapshot_date) as periods_in_segment
    from numbered_runs

),

final as (

    select
        customer_id,
        snapshot_date,
        segment,
        previous_segment,
        segment_entered_date,
        cast(periods_in_segment as integer) as periods_in_segment,
        -- At the previous snapshot: how long the customer had been in the segment they held then.
        cast(lag(periods_in_segment) over (partition by customer_id order by snapshot_date) as integer)
            as periods_in_previous_segment
    from run_positions

)

select * from final
