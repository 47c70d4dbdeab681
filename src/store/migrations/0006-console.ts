import { sql, type Kysely } from 'kysely';

// What the console reads. A finding's fixed version ("what fixes it"), and the active findings of
// one vulnerability by image: the exposure of a CVE is then one index range, whatever the store holds.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('image_findings').addColumn('fixed_version', 'text').execute();
  await db.schema
    .createIndex('image_findings_by_vulnerability')
    .on('image_findings')
    .columns(['account_id', 'vulnerability_id', 'image_id'])
    .where(sql.ref('active'), '=', 1)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('image_findings_by_vulnerability').execute();
  await db.schema.alterTable('image_findings').dropColumn('fixed_version').execute();
}
