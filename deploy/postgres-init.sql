-- One PostgreSQL, one database per service.
CREATE DATABASE prefect;
CREATE DATABASE labelstudio_offshore;
CREATE DATABASE labelstudio_qa;
