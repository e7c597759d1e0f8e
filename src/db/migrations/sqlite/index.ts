// The sqlite migrations, in the order they run.
import { Initial1795435083410 } from './1795435083410-Initial';
import { Registry1796006660026 } from './1796006660026-Registry';
import { Rotation1796095758330 } from './1796095758330-Rotation';
import { Revocations1796095776916 } from './1796095776916-Revocations';
import { SigningKeys1796096350119 } from './1796096350119-SigningKeys';
import { Phone1796104934106 } from './1796104934106-Phone';
import { ExternalIdentities1796105049274 } from './1796105049274-ExternalIdentities';

export const sqliteMigrations = [
  Initial1795435083410,
  Registry1796006660026,
  Rotation1796095758330,
  Revocations1796095776916,
  SigningKeys1796096350119,
  Phone1796104934106,
  ExternalIdentities1796105049274,
];
