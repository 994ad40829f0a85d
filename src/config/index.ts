// Service configuration: the file format, environment overrides and validation.
export * from "./config.js";
export { type ConfigKey, envName, Section } from "./fields.js";
export * from "./security.js";
