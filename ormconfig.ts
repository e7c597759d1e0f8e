// The DataSource for TypeORM's own CLI, from the same EASYJWT_DATABASE_URL the service reads:
//   npx typeorm migration:show -d dist/ormconfig.js
import 'reflect-metadata';
import { createDataSource } from './src/db/data-source';

export default createDataSource(process.env.EASYJWT_DATABASE_URL || 'sqlite:data/easyjwt.sqlite3');
