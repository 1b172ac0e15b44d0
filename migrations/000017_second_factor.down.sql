DROP TABLE portal_settings;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
