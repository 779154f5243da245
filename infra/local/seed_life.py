"""Community life in the demo: Jinxiu's service guides (老年证, 居住证), notices (one pinned to
锦绣花园, one to the whole community, one to 1号楼) and volunteer activities, written through
the same domain functions the API uses, by the office (chen) and two residents (lin, huang).

Times follow the moment of seeding, so every start of ``make run`` shows the same picture: the
water stop is in three days, 垃圾分类宣传 started half an hour ago (lin and huang signed up the
day before, so the office can record their hours at once), the clinic is next Saturday and the
reading-corner duty (one place) the Sunday after.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.core.timeutil import iso, utcnow
from chalicelib.identity.caller import Caller

COMMUNITY = "jinxiu"
ESTATE = "jinxiu-huayuan"
SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = Caller(user_id="chen", name="陈丽华", phone=None, roles=frozenset({"community"}),
                community_id=COMMUNITY)
LIN = Caller(user_id="lin", name="林小梅", phone=None, roles=frozenset({"resident", "owner"}),
             community_id=COMMUNITY)
HUANG = Caller(user_id="huang", name="黄志强", phone=None, roles=frozenset({"resident"}),
               community_id=COMMUNITY)

CENTRE = "锦绣社区党群服务中心"
ADDRESS = "福建省漳州市龙文区新桥街道锦绣路88号"
WEEKDAY_HOURS = [{"days": [1, 2, 3, 4, 5], "open": "08:30", "close": "12:00"},
                 {"days": [1, 2, 3, 4, 5], "open": "14:30", "close": "17:30"}]
# Public holidays (法定节假日) on which the service windows close.
HOLIDAYS = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06",
            "2026-10-07", "2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
            "2027-02-10", "2027-02-11", "2027-02-12", "2027-04-05", "2027-05-01", "2027-05-02",
            "2027-05-03"]

GUIDES = [
    {
        "title": "老年证（老年人优待证）办理",
        "office": f"{CENTRE} 一楼便民服务窗口",
        "address": f"{ADDRESS}（社区党群服务中心一楼）",
        "phone": "0596-2123456",
        "office_hours": [*WEEKDAY_HOURS, {"days": [6], "open": "09:00", "close": "11:30"}],
        "closed_dates": HOLIDAYS,
        "materials": ["本人居民身份证原件及复印件", "户口簿原件及复印件",
                      "近期一寸免冠彩色照片2张", "非本市户籍老人另需提供居住证",
                      "代办的需提供代办人身份证及委托书"],
        "steps": ["年满60周岁的老人或其家属携带材料到社区便民服务窗口",
                  "填写《漳州市老年人优待证申请表》",
                  "工作人员现场审核材料并采集照片信息",
                  "审核通过后约10个工作日，凭回执到窗口领取老年证"],
    },
    {
        "title": "居住证申领",
        "office": f"{CENTRE} 二楼流动人口服务站（新桥派出所代办点）",
        "address": f"{ADDRESS}（社区党群服务中心二楼）",
        "phone": "0596-2123458",
        "office_hours": WEEKDAY_HOURS,
        "closed_dates": HOLIDAYS,
        "materials": ["本人居民身份证原件及复印件", "近期一寸白底免冠彩色照片1张",
                      "居住证明：房屋租赁合同（含出租人房产证复印件）或自有房产证",
                      "就业、就读或经商证明之一：劳动合同、学生证或营业执照"],
        "steps": ["在现居住地申报居住登记满半年", "携带材料到流动人口服务站填写申领表",
                  "民警审核后采集人像和指纹信息", "15个工作日后凭领证回执领取居住证",
                  "居住证每年签注一次，逾期未签注的需重新申领"],
    },
]


def _local(day: datetime, at: time) -> datetime:
    return datetime.combine(day.astimezone(SHANGHAI).date(), at, tzinfo=SHANGHAI)


def _next_weekday(now: datetime, iso_weekday: int) -> datetime:
    local = now.astimezone(SHANGHAI)
    return local + timedelta(days=(iso_weekday - local.isoweekday() - 1) % 7 + 1)


def seed_guides(now: datetime) -> None:
    from chalicelib.guides import schemas, service

    for guide in GUIDES:
        service.create(OFFICE, COMMUNITY, schemas.GuideDoc.model_validate(guide), now)


def seed_notices(now: datetime) -> None:
    from chalicelib.notices import schemas, service

    stop = now + timedelta(days=3)
    day = f"{stop.astimezone(SHANGHAI).month}月{stop.astimezone(SHANGHAI).day}日"
    notices = [
        {"title": "锦绣花园计划停水通知", "audience": "estate", "estate_id": ESTATE,
         "pinned": True, "expires_at": iso(_local(stop, time(20, 0))),
         "body": f"因市政供水管网改造，{day} 08:00 至 18:00 锦绣花园1-3号楼暂停供水，"
                 "请各位居民提前做好储水准备。如有疑问请联系绿茵物业服务中心 0596-2345678。"},
        {"title": "关于做好冬季消防安全工作的提醒", "audience": "community",
         "body": "冬季用火用电增多，请勿在楼道、架空层停放电动车或为其充电，不乱拉电线，"
                 "外出前关闭燃气阀门。社区将于本月开展消防安全入户检查，请居民予以配合。"},
        {"title": "1号楼电梯年度维保", "audience": "building", "estate_id": ESTATE,
         "building": "1", "expires_at": iso(now + timedelta(days=10)),
         "body": "本周四 09:00-11:00 1号楼电梯进行年度维护保养，期间暂停使用，请走楼梯。"},
    ]
    for notice in notices:
        service.publish(OFFICE, COMMUNITY, schemas.NewNotice.model_validate(notice), now)


def seed_activities(now: datetime) -> None:
    from chalicelib.activities import schemas, service

    yesterday = now - timedelta(days=1)
    sorting_start = now - timedelta(minutes=30)
    sorting = service.create(OFFICE, COMMUNITY, schemas.NewActivity.model_validate({
        "title": "垃圾分类宣传", "place": "锦绣花园南门广场",
        "description": "向居民讲解“四分类”投放要求，在投放点引导居民正确分类。",
        "starts_at": iso(sorting_start), "ends_at": iso(sorting_start + timedelta(hours=3)),
        "capacity": 20, "points_per_hour": 5}), yesterday).activity
    for volunteer in (LIN, HUANG):
        service.sign_up(volunteer, sorting.activity_id, schemas.NewSignup(), yesterday)
    saturday = _next_weekday(now, 6)
    service.create(OFFICE, COMMUNITY, schemas.NewActivity.model_validate({
        "title": "社区义诊志愿服务", "place": f"{CENTRE}广场",
        "description": "配合龙文区医院医生为社区老人量血压、测血糖，协助登记和引导。",
        "starts_at": iso(_local(saturday, time(8, 30))),
        "ends_at": iso(_local(saturday, time(11, 30))),
        "capacity": 10, "points_per_hour": 10, "min_age": 18}), now)
    sunday = _next_weekday(now, 7) + timedelta(days=7)
    service.create(OFFICE, COMMUNITY, schemas.NewActivity.model_validate({
        "title": "社区图书角值班", "place": f"{CENTRE}二楼图书角",
        "description": "整理图书、登记借阅，每班一人。",
        "starts_at": iso(_local(sunday, time(14, 0))),
        "ends_at": iso(_local(sunday, time(17, 0))),
        "capacity": 1, "points_per_hour": 8}), now)


def seed() -> None:
    now = utcnow()
    seed_guides(now)
    seed_notices(now)
    seed_activities(now)
