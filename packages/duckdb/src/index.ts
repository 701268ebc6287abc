export { openDatabase, type OpenDatabaseOptions } from './open-database.js';
