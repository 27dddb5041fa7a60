DROP TABLE campaign_merchants;
DROP TABLE campaigns;
