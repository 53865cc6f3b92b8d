-- Did the campaign work? Take the customers in a segment at a campaign snapshot (vars campaign_segment,
-- campaign_snapshot_date) and show where they stand at every later snapshot: segment mix and revenue.
{%- set campaign_segment = var('campaign_segment') -%}
{%- set campaign_snapshot_date = var('campaign_snapshot_date') %}

with

history as (

    select * from {{ ref('customer_rfm_history') }}

),

campaign_snapshot as (

    -- One row: the given snapshot, or by default the sixth snapshot before the latest.
    {% if campaign_snapshot_date %}
    select cast('{{ campaign_snapshot_date }}' as date) as snapshot_date
    {% else %}
    select min(recent.snapshot_date) as snapshot_date
    from (
        select distinct snapshot_date from history
        order by snapshot_date desc
        limit 7
    ) as recent
    {% endif %}

),

targeted as (

    select history.customer_id
    from history
    inner join campaign_snapshot
        on history.snapshot_date = campaign_snapshot.snapshot_date
    where history.segment = '{{ campaign_segment }}'

),

final as (

    select
        history.snapshot_date,
        history.segment,
        count(*) as customers,
        sum(history.monetary) as revenue
    from history
    inner join targeted
        on history.customer_id = targeted.customer_id
    cross join campaign_snapshot
    where history.snapshot_date >= campaign_snapshot.snapshot_date
    group by
        history.snapshot_date,
        history.segment

)

select * from final
order by snapshot_date asc, customers desc
