DROP TABLE date_changes;
DROP TABLE cases;
DROP TABLE requests;
DROP TABLE categories;
DROP TABLE criteria;
DROP TABLE finding_forces;
DROP TABLE findings;
DROP TABLE reports;
