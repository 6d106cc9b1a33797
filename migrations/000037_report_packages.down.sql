SELECT lo_unlink(content_oid) FROM report_packages WHERE content_oid IS NOT NULL;
DROP TABLE report_packages;
